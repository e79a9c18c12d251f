"""Loads demo data: an admin, two agents, a web-chat inbox and a few conversations in
Chinese and English. Safe to run twice: it does nothing when the demo account exists."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from blockdesk.accounts.models import Account, Team, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.assistant.configuration import do_set_enabled as do_set_assistant
from blockdesk.chain.services import seed_default_chains
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations import services as conv
from blockdesk.conversations.contact_services import IdentitySpec, do_create_contact
from blockdesk.conversations.models import CannedReply, ContactIdentity
from blockdesk.demo import (
    seed_announce,
    seed_feedback,
    seed_forum,
    seed_peering,
    seed_reports,
    seed_routing,
    seed_teamnum,
)
from blockdesk.kb.importexport import load_starter
from blockdesk.trust.services import do_create_official_channel

DEMO_ACCOUNT = "Blockdesk Demo Exchange"
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  (published demo credentials, local use only)
DEMO_USERS = [
    ("admin", "admin@demo.blockdesk.local", User.Role.ADMIN, "Ada Admin"),
    ("alice", "alice@demo.blockdesk.local", User.Role.AGENT, "Alice (Support)"),
    ("li", "li@demo.blockdesk.local", User.Role.AGENT, "李娜"),
]

CONVERSATIONS = [
    (
        "Wang Wei",
        "wang@example.com",
        "zh-hans",
        ["我充值的USDT还没到账，已经过了一个小时了", "我用的是TRC20网络"],
    ),
    (
        "Maria Lopez",
        "maria@example.com",
        "en",
        ["Hi, my ETH withdrawal has been pending for 3 hours. Is something wrong?"],
    ),
    ("张伟", "", "zh-hans", ["你好，我的谷歌验证器手机丢了，怎么重置2FA？"]),
    (
        "John Smith",
        "john@example.com",
        "en",
        [
            "Someone on Telegram says they're your support and asked for my seed phrase. "
            "Is that you?"
        ],
    ),
]

CANNED = [
    ("greeting", "Hi! Thanks for reaching out. I'm looking into this now."),
    ("nihao", "您好！感谢您的耐心等待，我正在为您查询。"),
    (
        "seed",
        "Please never share your seed phrase or private key with anyone, including us. "
        "Blockdesk support will never ask for it.",
    ),
    ("txid", "Could you share the transaction hash (TxID) and the network you used?"),
]

# What the "Is this really us?" page (/verify/) answers for: try a lookalike such as
# demo-exchanqe.example or @DemoExchangeSupport_ to see the warning.
OFFICIAL_CHANNELS = [
    ("domain", "demo-exchange.example", "Website and help center", True, ""),
    ("email_domain", "demo-exchange.example", "Every support email", False, ""),
    ("telegram", "@DemoExchangeSupport", "Support on Telegram", False, ""),
    ("x", "@DemoExchange", "Announcements", False, ""),
    (
        "address",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "ETH / ERC-20 deposits",
        False,
        "ethereum",
    ),
]


class Command(BaseCommand):
    help = "Load demo data (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if Account.objects.filter(name=DEMO_ACCOUNT).exists():
            self.stdout.write("Demo data already loaded.")
            load_starter(account=Account.objects.get(name=DEMO_ACCOUNT))  # idempotent
            return
        with transaction.atomic():
            account = Account.objects.create(name=DEMO_ACCOUNT)
            users = [
                do_create_agent(
                    account=account,
                    username=u,
                    email=e,
                    password=DEMO_PASSWORD,
                    role=r,
                    display_name=n,
                )
                for u, e, r, n in DEMO_USERS
            ]
            admin, alice, li = users
            admin.is_staff = True
            admin.is_superuser = True
            admin.save(update_fields=["is_staff", "is_superuser"])
            team = Team.objects.create(account=account, name="Tier 1")
            team.members.set([alice, li])
            channel = do_create_web_widget_inbox(
                account=account,
                name="Website chat",
                website_url="http://127.0.0.1:8000/widget-demo/",
                members=[alice, li],
                welcome_title="Hi there 👋",
                welcome_tagline="We usually reply in a few minutes. 通常几分钟内回复。",
            )
            for shortcut, content in CANNED:
                CannedReply.objects.create(account=account, shortcut=shortcut, content=content)
            for name, email, locale, lines in CONVERSATIONS:
                # Through the contacts' owner, so the demo's log has contact.created too.
                contact = do_create_contact(
                    account_id=account.pk,
                    name=name,
                    email=email,
                    locale=locale,
                    identities=[IdentitySpec(ContactIdentity.Kind.EMAIL, email)] if email else [],
                    source="import",
                )
                conversation = None
                for line in lines:
                    sent = conv.do_send_contact_message(
                        contact=contact,
                        inbox=channel.inbox,
                        conversation=conversation,
                        content=line,
                    )
                    conversation = sent.message.conversation
            assert conversation is not None
            conv.do_send_agent_message(
                agent=alice,
                conversation=conversation,
                content=(
                    "No, that is not us. Blockdesk support never asks for a seed phrase. "
                    "Please block that account."
                ),
            )
            conv.do_change_priority(actor=alice, conversation=conversation, priority="high")
            load_starter(account=account)
            seed_default_chains(account=account)  # disabled, no endpoints: admins configure
            for kind, value, label, subdomains, chain in OFFICIAL_CHANNELS:
                do_create_official_channel(
                    account_id=account.pk,
                    actor=admin,
                    kind=kind,
                    value=value,
                    label=label,
                    include_subdomains=subdomains,
                    chain=chain,
                )
            do_set_assistant(inbox_id=channel.inbox.pk, enabled=True)  # answers new chats
            seed_reports.seed(account=account)
            seed_peering.seed(account=account, admin=admin, password=DEMO_PASSWORD)
            seed_forum.seed(account=account, agent=alice)
            seed_feedback.seed(account=account, admin=admin, agent=alice)
            seed_announce.seed(account=account, admin=admin)  # /changelog/, /status/
            seed_routing.seed(account=account)
            seed_teamnum.seed(account=account)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
