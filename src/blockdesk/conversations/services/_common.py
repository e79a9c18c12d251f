"""Helpers shared by the conversation services: the timeline, the pushes, access."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from blockdesk.accounts.models import User
from blockdesk.common import plain_sql
from blockdesk.common.errors import Forbidden, NotFound
from blockdesk.common.plain_sql import insert_row
from blockdesk.common.realtime import contact_group, inbox_group, publish_on_commit
from blockdesk.conversations import selectors
from blockdesk.conversations.models import (
    Conversation,
    ConversationEvent,
    Inbox,
)
from blockdesk.conversations.serializers import (
    conversation_dict,
    event_dict,
    public_conversation_dict,
)

Status = Conversation.Status

# An app that answers customers itself (the assistant) registers predicates here from its
# ready(), so the core does not import it: new cases in an inbox it handles start
# `pending` (waiting on the bot, not on agents), and a customer writing to a case it is
# still handling does not wake it to `open`.
BOT_HANDLES_INBOX: list[Callable[[Inbox], bool]] = []
BOT_HANDLES_CONVERSATION: list[Callable[[Conversation], bool]] = []


def _one_unit() -> transaction.Atomic:
    """A service's writes as one unit: their own transaction when it is called alone,
    else part of the caller's, without a savepoint. A savepoint is two more round trips
    (SAVEPOINT, RELEASE) per call, and the assistant makes up to three such calls for one
    message (issue 17). It would matter only to a caller that catches the service's
    failure and goes on in the same transaction; none does, so a failure here fails the
    caller's transaction, as it should."""
    return transaction.atomic(savepoint=False)


def check_agent_can_access(*, user: User, conversation: Conversation) -> None:
    if not selectors.agent_can_access_inbox(user=user, inbox_id=conversation.inbox_id):
        # 404, not 403: an agent outside the inbox must not learn the case exists.
        raise NotFound()


def _record_event(
    *,
    conversation: Conversation,
    kind: str,
    actor: User | None,
    data: dict[str, object] | None = None,
    public: bool = False,
    event_extra: dict[str, object] | None = None,
) -> ConversationEvent:
    # event_extra says who acted when no agent did (e.g. which API token).
    data = {**(data or {}), **(event_extra or {})}
    event = ConversationEvent(
        conversation=conversation, kind=kind, actor=actor, data=data, is_public=public
    )
    insert_row(event)
    payload = {
        "type": "conversation.event",
        "conversation_id": conversation.pk,
        "event": event_dict(event),
    }
    groups = [inbox_group(conversation.inbox_id)]
    if public:
        groups.append(contact_group(conversation.contact_id))
    publish_on_commit(groups, payload)
    return event


def _publish_conversation(
    conversation: Conversation, *, tags: list[str] | None = None, reread: bool = True
) -> None:
    """`reread=False`: the caller read the row in this transaction, under its lock, with
    its contact and assignee, and changed it only through that instance."""
    if reread:
        # Fresh, with what the cards show joined: one statement built once (issue 17)
        # instead of refresh_from_db() and a lazy read each for contact and assignee.
        plain_sql.refresh(conversation, related=("contact", "assignee"))
    publish_on_commit(
        [inbox_group(conversation.inbox_id)],
        {
            "type": "conversation.updated",
            "conversation": conversation_dict(conversation, tags=tags),
        },
    )
    publish_on_commit(
        [contact_group(conversation.contact_id)],
        {"type": "conversation.updated", "conversation": public_conversation_dict(conversation)},
    )


def require_agent(user: object) -> User:
    if not isinstance(user, User) or not user.is_authenticated or user.account_id is None:
        raise Forbidden()
    return user
