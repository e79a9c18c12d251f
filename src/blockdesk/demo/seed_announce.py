"""Demo data for the update log (/changelog/) and the status page (/status/): posts in
English and Chinese (one shown as a banner, one scheduled), components with 90 days of
history, a resolved incident, an open one (the widget, the help center, the console and the
assistant show it) and an upcoming maintenance."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from blockdesk.accounts.models import Account, User
from blockdesk.announcements import services as posts
from blockdesk.chain.models import Chain
from blockdesk.statuspage import services as status
from blockdesk.statuspage.models import Incident, State, StateChange

POSTS: list[tuple[str, bool, dict[str, posts.VersionIn]]] = [
    (
        "release",
        True,
        {
            "en": {
                "title": "Faster withdrawals and a new status page",
                "summary": "Most withdrawals now complete in under five minutes.",
                "body": "## What changed\n\n- Withdrawals are batched every minute instead of "
                "every ten.\n- Follow incidents and maintenance at [/status/](/status/).\n\n"
                "We will **never** ask for your seed phrase.",
            },
            "zh-hans": {
                "title": "提现更快了，并上线状态页",
                "summary": "大多数提现现在五分钟内完成。",
                "body": "## 更新内容\n\n- 提现每分钟批量处理一次（原为每十分钟）。\n"
                "- 在 [/status/](/status/) 查看故障与维护信息。\n\n我们**绝不会**索要您的助记词。",
            },
        },
    ),
    (
        "listing",
        False,
        {
            "en": {
                "title": "Now listing USDT on TRON (TRC-20)",
                "summary": "Deposits and withdrawals of USDT on TRON are open.",
                "body": "Deposit USDT on **TRON** only to the TRON address shown in your "
                "account. Sending on another network loses the funds.",
            },
            "zh-hans": {
                "title": "上线 TRON 网络 USDT（TRC-20）",
                "summary": "TRON 网络 USDT 充值与提现已开放。",
                "body": "请只向账户中显示的 **TRON** 地址充值 USDT。"
                "通过其他网络发送会导致资产丢失。",
            },
        },
    ),
    (
        "security",
        False,
        {
            "en": {
                "title": "Beware of fake support accounts on Telegram",
                "summary": "Our staff never message you first and never ask for secrets.",
                "body": "Check any link or handle at [Is this really us?](/verify/).",
            },
            "zh-hans": {
                "title": "警惕 Telegram 上的假冒客服",
                "summary": "我们的员工不会主动私信您，也不会索要任何密钥。",
                "body": "任何链接或账号都可以在 [核实真伪](/verify/) 页面查询。",
            },
        },
    ),
]

COMPONENTS = [
    ("deposits-btc", "Deposits (Bitcoin)", "充值（比特币）", "bitcoin", ["deposit", "充值", "btc"]),
    (
        "deposits-eth",
        "Deposits (Ethereum)",
        "充值（以太坊）",
        "ethereum",
        ["deposit", "充值", "eth"],
    ),
    ("withdrawals", "Withdrawals", "提现", None, ["withdrawal", "withdraw", "提现", "提币"]),
    ("trading", "Trading", "交易", None, ["trading", "trade", "order", "交易", "下单"]),
    ("api", "API", "API", None, ["api"]),
    ("login", "Login", "登录", None, ["login", "2fa", "password", "登录", "密码"]),
]


def seed(*, account: Account, admin: User) -> None:
    now = timezone.now()
    for index, (category, banner, versions) in enumerate(POSTS):
        post = posts.do_save_post(
            actor=admin,
            category=category,
            versions=versions,
            banner=banner,
            notify_subscribers=False,
        )
        posts.do_publish_post(actor=admin, post=post, now=now - dt.timedelta(days=index * 9))
    scheduled = posts.do_save_post(
        actor=admin,
        category="maintenance",
        notify_subscribers=False,
        versions={
            "en": {
                "title": "Planned upgrade of the matching engine",
                "summary": "",
                "body": "Trading pauses for about 20 minutes.",
            }
        },
    )
    posts.do_publish_post(actor=admin, post=scheduled, at=now + dt.timedelta(days=3))

    components = {}
    for position, (key, name, name_zh, chain_key, topics) in enumerate(COMPONENTS):
        chain = Chain.objects.filter(account=account, key=chain_key).first() if chain_key else None
        components[key] = status.do_create_component(
            actor=admin,
            key=key,
            name=name,
            name_zh=name_zh,
            position=position,
            chain_id=chain.pk if chain else None,
            topics=topics,
        )
    # 90 days of history: the bars show a past outage and a degraded day.
    for component in components.values():
        StateChange.objects.filter(component=component).update(at=now - dt.timedelta(days=120))
    api = components["api"]
    StateChange.objects.create(
        component=api, state=State.MAJOR_OUTAGE, at=now - dt.timedelta(days=40, hours=3)
    )
    StateChange.objects.create(
        component=api, state=State.OPERATIONAL, at=now - dt.timedelta(days=40, hours=1)
    )
    past = status.do_open_incident(
        actor=admin,
        title="Login errors for some users",
        body="Some users see an error at login.",
        component_ids=[components["login"].pk],
        impact=State.PARTIAL_OUTAGE,
        now=now - dt.timedelta(days=6, hours=2),
    )
    status.do_post_update(
        actor=admin,
        incident=past,
        status="identified",
        body="A certificate expired on one server.",
        now=now - dt.timedelta(days=6, hours=1),
    )
    status.do_post_update(
        actor=admin,
        incident=past,
        status="resolved",
        body="Fixed; logins work again.",
        now=now - dt.timedelta(days=6),
    )
    status.do_open_incident(
        actor=admin,
        title="Delayed withdrawals",
        body="Withdrawals take up to an hour. Funds are safe.",
        component_ids=[components["withdrawals"].pk],
        impact=State.DEGRADED,
    )
    start = now + dt.timedelta(days=3)
    status.do_open_incident(
        actor=admin,
        title="Matching engine upgrade",
        body="Trading pauses for about 20 minutes.",
        component_ids=[components["trading"].pk],
        impact=State.MAINTENANCE,
        kind=Incident.Kind.MAINTENANCE,
        scheduled_start=start,
        scheduled_end=start + dt.timedelta(minutes=30),
    )
