"""Demo routing (docs/routing.md): the website inbox assigns by load, alice and li have
capacities and skills, and both start online, so the assistant's handoffs go to whoever
fits (a Chinese case to li, a TRON case to alice) with the reason on the timeline."""

from __future__ import annotations

from blockdesk.accounts.models import Account, User
from blockdesk.conversations.models import Inbox
from blockdesk.routing.admin_services import do_update_agent_routing, do_update_inbox_routing
from blockdesk.routing.models import InboxRouting
from blockdesk.routing.presence import do_set_presence

SKILLS = {
    "alice": {
        "languages": ["en"],
        "chains": ["tron", "ethereum"],
        "topics": ["deposit-not-arrived"],
    },
    "li": {"languages": ["zh", "en"], "chains": ["bitcoin"], "topics": ["funds_stolen_or_missing"]},
}


def seed(*, account: Account) -> None:
    for inbox in Inbox.objects.filter(account=account, channel_kind="web_widget"):
        do_update_inbox_routing(
            actor=None,
            inbox=inbox,
            mode=InboxRouting.Mode.BALANCED,
            silence_minutes=30,
            handle_minutes=8,
            show_queue_in_widget=True,
        )
    for user in User.objects.filter(account=account, username__in=list(SKILLS)):
        do_update_agent_routing(
            actor=None,
            agent=user,
            capacity=3,
            channel_capacity={"email": 10},
            **SKILLS[user.username],
        )
        do_set_presence(user=user, presence="online", by="admin")
