"""Demo data for suggestions and the roadmap (/feedback/) and for guides, welcome emails and
sessions (/learn/): a few ideas in each roadmap column with votes and a linked
conversation, three guides built from the starter KB articles with quizzes, two welcome
steps, a session next week and a past one with its recording."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from blockdesk.accounts.models import Account, User
from blockdesk.conversations.contact_services import IdentitySpec, do_create_contact
from blockdesk.conversations.models import ContactIdentity, Conversation
from blockdesk.education import onboarding, sessions
from blockdesk.feedback import services as feedback

IDEAS = [
    ("Dark mode for the app", "Easier on the eyes at night.", "in_progress", 5),
    (
        "Show the deposit network before confirming",
        "Avoid sending on the wrong chain.",
        "planned",
        4,
    ),
    ("Withdrawal address allow-list", "Only allow saved addresses.", "done", 3),
    ("Support for Solana USDC", "", "under_review", 2),
    ("Price alerts by Telegram", "", "open", 1),
    ("Let me rename my wallets", "", "declined", 0),
]

Q_NOBODY: dict[str, object] = {
    "question": {
        "en": "Who may ask you for your seed phrase?",
        "zh-hans": "谁可以向你索要助记词？",
    },
    "choices": {"en": ["Support staff", "Nobody, ever"], "zh-hans": ["客服人员", "任何人都不可以"]},
    "answer": 1,
}
Q_NETWORK: dict[str, object] = {
    "question": {
        "en": "Before sending a deposit, what must match?",
        "zh-hans": "充值前，什么必须一致？",
    },
    "choices": {
        "en": ["The network on both sides", "The time of day"],
        "zh-hans": ["双方的网络", "一天中的时间"],
    },
    "answer": 0,
}
Q_DOMAIN: dict[str, object] = {
    "question": {
        "en": "A link to “exchanqe.example” is…",
        "zh-hans": "指向“exchanqe.example”的链接是……",
    },
    "choices": {
        "en": ["A lookalike: do not open it", "Our official site"],
        "zh-hans": ["仿冒网站：不要打开", "我们的官方网站"],
    },
    "answer": 0,
}
Texts = dict[str, str]
Quiz = list[dict[str, object]]
GUIDES: list[tuple[str, Texts, Texts, list[tuple[str, Quiz]], str, bool]] = [
    (
        "your-first-deposit",
        {"en": "Your first deposit", "zh-hans": "你的第一次充值"},
        {"en": "Networks, confirmations and memos.", "zh-hans": "网络、确认数和备注。"},
        [
            ("deposit-wrong-network", [Q_NETWORK]),
            ("deposit-confirmations", []),
            ("deposit-missing-memo", []),
        ],
        "first-deposit",
        True,
    ),
    (
        "keeping-your-wallet-safe",
        {"en": "Keeping your wallet safe", "zh-hans": "保护你的钱包安全"},
        {"en": "Seed phrases, fake support and phishing.", "zh-hans": "助记词、假客服与钓鱼。"},
        [
            ("seed-phrase-safety", [Q_NOBODY]),
            ("support-never-asks", [Q_NOBODY]),
            ("phishing-lookalike-domains", [Q_DOMAIN]),
        ],
        "wallet-guardian",
        False,
    ),
    (
        "using-a-dex-safely",
        {"en": "Using a DEX safely", "zh-hans": "安全使用去中心化交易所"},
        {
            "en": "Gas, stuck transactions and official links.",
            "zh-hans": "Gas、卡住的交易和官方链接。",
        },
        [
            ("what-is-gas", []),
            ("tx-speed-up-cancel", []),
            ("verify-official-channels", [Q_DOMAIN]),
        ],
        "dex-explorer",
        False,
    ),
]


def seed(*, account: Account, admin: User, agent: User) -> None:
    # Through the contacts' owner, like the other demo customers (contact.created logged).
    voters = [
        do_create_contact(
            account_id=account.pk,
            name=f"Voter {n}",
            email=f"voter{n}@example.com",
            identities=[IdentitySpec(ContactIdentity.Kind.EMAIL, f"voter{n}@example.com")],
            source="import",
        )
        for n in range(5)
    ]
    first = None
    for title, body, status, votes in IDEAS:
        idea = feedback.do_post_suggestion(account_id=account.pk, by=agent, title=title, body=body)
        first = first or idea
        for voter in voters[:votes]:
            feedback.do_vote(suggestion_id=idea.pk, contact=voter)
        if status != "open":
            feedback.do_change_status(actor=agent, suggestion_id=idea.pk, status=status)
    dup = feedback.do_post_suggestion(account_id=account.pk, by=agent, title="Night theme")
    feedback.do_vote(suggestion_id=dup.pk, contact=voters[4])
    assert first is not None
    feedback.do_merge(actor=agent, duplicate_id=dup.pk, into_id=first.pk)
    for conversation in Conversation.objects.filter(account=account).order_by("pk")[:2]:
        feedback.do_link_checked(actor=agent, suggestion_id=first.pk, conversation=conversation)

    for slug, guide_title, summary, lessons, badge, for_new in GUIDES:
        onboarding.do_save_guide(
            account_id=account.pk,
            slug=slug,
            title=guide_title,
            summary=summary,
            lessons=lessons,
            badge_key=badge,
            for_new_customers=for_new,
        )
    onboarding.do_add_step(
        actor=admin,
        delay_hours=0,
        subject={"en": "Welcome aboard", "zh-hans": "欢迎加入"},
        body={
            "en": "Start with our short guide to your first deposit.",
            "zh-hans": "从我们关于第一次充值的简短指南开始吧。",
        },
    )
    onboarding.do_add_step(
        actor=admin,
        delay_hours=72,
        subject={"en": "Keep your wallet safe", "zh-hans": "保护你的钱包安全"},
        body={
            "en": "We will never ask for your seed phrase. Learn how to spot fake support.",
            "zh-hans": "我们绝不会索要你的助记词。学习如何识别假客服。",
        },
    )
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    sessions.do_save_session(
        actor=admin,
        values={
            "title": "Monthly live Q&A: using a DEX safely",
            "description": "Bring your questions about gas, slippage and approvals.",
            "starts_at": now + dt.timedelta(days=7),
            "duration_minutes": 60,
            "join_url": "https://meet.example.com/blockdesk-qa",
        },
    )
    sessions.do_save_session(
        actor=admin,
        values={
            "title": "Live Q&A: your first deposit",
            "description": "Networks, memos and confirmations, explained.",
            "starts_at": now - dt.timedelta(days=30),
            "duration_minutes": 45,
            "recording_url": "https://video.example.com/blockdesk-first-deposit",
        },
    )
