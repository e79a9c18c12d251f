"""Helpers for the routing tests: agents with routing rows, a routed inbox, cases."""

from __future__ import annotations

import datetime as dt

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.conversations import services
from blockdesk.conversations.models import Contact, Conversation
from blockdesk.routing.models import AgentRouting, InboxRouting
from tests.events.support import drain

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
CONSUMER = "routing.assign"


def make_agent(
    account: Account, name: str, *, capacity: int = 5, online: bool = True, **skills: object
) -> User:
    user = do_create_agent(
        account=account, username=name, email=f"{name}@example.com", password="pw-12345678"
    )
    AgentRouting.objects.create(
        user=user,
        account=account,
        capacity=capacity,
        presence="online" if online else "offline",
        **skills,
    )
    return user


def route_inbox(channel, mode: str = "balanced", **extra: object) -> InboxRouting:
    config, _ = InboxRouting.objects.update_or_create(
        inbox=channel.inbox,
        defaults={"account_id": channel.inbox.account_id, "mode": mode, **extra},
    )
    return config


def new_case(
    channel, text: str = "hello", *, name: str = "Carol", locale: str = ""
) -> Conversation:
    contact = Contact.objects.create(account_id=channel.inbox.account_id, name=name, locale=locale)
    return services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content=text
    ).message.conversation


def settle(timeout: float = 90.0) -> int:
    """Runs the routing consumer until it has read every event it subscribes to. On
    PostgreSQL a transaction elsewhere in the cluster (another test database) can hold
    new events back for a moment (docs/events.md, "Ordering"), hence the wait."""
    import time

    from blockdesk.events.models import ConsumerCursor, Event
    from blockdesk.routing.event_consumers import EVENT_NAMES

    total = 0
    deadline = time.monotonic() + timeout
    while True:
        total += drain(CONSUMER)
        cursor = (
            ConsumerCursor.objects.filter(name=CONSUMER)
            .values_list("position_id", flat=True)
            .first()
        )
        behind = Event.objects.filter(name__in=EVENT_NAMES, id__gt=cursor or 0).exists()
        if not behind or time.monotonic() > deadline:
            return total
        time.sleep(0.05)


def assignee(conversation: Conversation) -> str | None:
    conversation.refresh_from_db()
    return conversation.assignee.username if conversation.assignee else None


def routed_inbox(account: Account, members: list[User], mode: str = "balanced", **extra: object):
    from blockdesk.connectors.services import do_create_web_widget_inbox

    channel = do_create_web_widget_inbox(account=account, name="Website", members=members)
    route_inbox(channel, mode, **extra)
    return channel


def wait_visible(count: int, timeout: float = 90.0) -> None:
    """Until `count` events the consumer follows are readable past its cursor (PostgreSQL
    hides those a transaction elsewhere in the cluster could still precede)."""
    import time

    from blockdesk.events.log import visible
    from blockdesk.events.models import ConsumerCursor, Event
    from blockdesk.routing.event_consumers import EVENT_NAMES

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cursor = (
            ConsumerCursor.objects.filter(name=CONSUMER)
            .values_list("position_id", flat=True)
            .first()
        )
        pending = Event.objects.filter(name__in=EVENT_NAMES, id__gt=cursor or 0)
        if visible(pending).count() >= count:
            return
        time.sleep(0.05)
