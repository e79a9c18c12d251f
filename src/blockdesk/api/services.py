"""Writes made through the REST API. They delegate to the conversations services; what
is added here is the API's own rules: who the actor is when a token acts, which agent
may speak, and what an idempotency key promises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Team, User
from blockdesk.api import selectors
from blockdesk.api.auth import ApiPrincipal
from blockdesk.common.errors import Conflict, NotFound, ValidationFailed
from blockdesk.conversations import selectors as conv_selectors
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Contact, Conversation, Inbox, Message
from blockdesk.conversations.services import SentMessage


def event_extra(principal: ApiPrincipal) -> dict[str, object]:
    """Recorded on timeline events: with no agent acting, the token is the actor."""
    if principal.token is None:
        return {"via": "api"}
    return {
        "via": "api",
        "api_token_id": principal.token.pk,
        "api_token_name": principal.token.name,
    }


def not_found_field(name: str, message: str) -> NotFound:
    """An id in a request body that the account does not have: 404, naming the field."""
    return NotFound(message, fields={name: [message]})


def _actor(principal: ApiPrincipal) -> User | None:
    return principal.user


def _idempotency_conflict() -> Conflict:
    return Conflict(
        _("This idempotency key was already used for a different message."),
        code="idempotency_conflict",
        fields={"idempotency_key": [_("Already used for a different message.")]},
    )


def check_replay(
    *, sent: SentMessage, conversation: Conversation | None, content: str, private: bool
) -> None:
    """A replayed key must describe the same message; anything else is a client bug
    that would otherwise silently lose the second message."""
    if sent.created:
        return
    stored = sent.message
    same = stored.content == content.strip() and stored.is_private == private
    if conversation is not None and stored.conversation_id != conversation.pk:
        # A customer writing to a resolved case opens a new one; the replay lands there.
        same = same and conversation.status == Conversation.Status.RESOLVED
    if not same:
        raise _idempotency_conflict()


def check_speaking_agent(*, principal: ApiPrincipal, agent_id: int | None, inbox_id: int) -> User:
    if agent_id is None:
        raise ValidationFailed.field("agent_id", _("Say which agent is writing."))
    agent = selectors.find_agent(account_id=principal.account_id, agent_id=agent_id)
    if agent is None:
        raise not_found_field("agent_id", _("No such agent."))
    if principal.user is not None and principal.user.pk != agent.pk:
        raise ValidationFailed.field("agent_id", _("You can only write as yourself."))
    if not conv_selectors.agent_can_access_inbox(user=agent, inbox_id=inbox_id):
        raise ValidationFailed.field("agent_id", _("That agent has no access to this inbox."))
    return agent


def do_api_create_conversation(
    *,
    principal: ApiPrincipal,
    inbox: Inbox,
    contact: Contact,
    content: str,
    subject: str = "",
    idempotency_key: str | None = None,
) -> SentMessage:
    """Opens a conversation for `contact` with their first message, in one transaction
    (the message service opens the case). A retried key is caught by the message's unique
    constraint rather than looked up first: the retry's transaction rolls back whole, so
    it leaves no second case, and every first try saves a read."""
    content = conv_services.check_content(content=content)
    sent = conv_services.do_send_contact_message(
        contact=contact,
        inbox=inbox,
        conversation=None,
        content=content,
        idempotency_key=idempotency_key,
        subject=subject.strip(),
        opened_by=_actor(principal),
    )
    if not sent.created:
        if sent.message.conversation.inbox_id != inbox.pk:
            raise _idempotency_conflict()
        check_replay(sent=sent, conversation=None, content=content, private=False)
    return sent


def do_api_send_message(
    *,
    principal: ApiPrincipal,
    conversation: Conversation,
    sender: str,
    content: str,
    agent_id: int | None = None,
    private: bool = False,
    idempotency_key: str | None = None,
) -> SentMessage:
    if sender == Message.SenderType.CONTACT:
        if private:
            raise ValidationFailed.field("private", _("Only agents can write private notes."))
        if agent_id is not None:
            raise ValidationFailed.field("agent_id", _("Only agent messages name an agent."))
        sent = conv_services.do_send_contact_message(
            contact=conversation.contact,
            inbox=conversation.inbox,
            conversation=conversation,
            content=content,
            idempotency_key=idempotency_key,
        )
    elif sender == Message.SenderType.AGENT:
        agent = check_speaking_agent(
            principal=principal, agent_id=agent_id, inbox_id=conversation.inbox_id
        )
        sent = conv_services.do_send_agent_message(
            agent=agent,
            conversation=conversation,
            content=content,
            private=private,
            idempotency_key=idempotency_key,
        )
    else:
        raise ValidationFailed.field("sender", _("Unknown sender."))
    check_replay(sent=sent, conversation=conversation, content=content, private=private)
    return sent


def _resolve_assignee(*, principal: ApiPrincipal, assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return None
    agent = selectors.find_agent(account_id=principal.account_id, agent_id=assignee_id)
    if agent is None:
        raise not_found_field("assignee_id", _("No such agent."))
    return agent


def _resolve_team(*, principal: ApiPrincipal, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = selectors.find_team(account_id=principal.account_id, team_id=team_id)
    if team is None:
        raise not_found_field("team_id", _("No such team."))
    return team


def do_api_update_conversation(
    *, principal: ApiPrincipal, conversation: Conversation, changes: Mapping[str, Any]
) -> Conversation:
    """Applies the fields present in `changes`, all or nothing."""
    actor = _actor(principal)
    extra = event_extra(principal)
    with transaction.atomic():
        if "assignee_id" in changes or "team_id" in changes:
            assignee = (
                _resolve_assignee(principal=principal, assignee_id=changes["assignee_id"])
                if "assignee_id" in changes
                else conversation.assignee
            )
            try:
                conversation = conv_services.do_assign(
                    actor=actor,
                    conversation=conversation,
                    assignee=assignee,
                    team=_resolve_team(principal=principal, team_id=changes.get("team_id")),
                    set_team="team_id" in changes,
                    event_extra=extra,
                )
            except ValidationFailed as exc:
                # The service names its own fields; the API's are *_id.
                raise _rename_fields(exc, {"assignee": "assignee_id", "team": "team_id"}) from exc
        if changes.get("status") is not None or "snoozed_until" in changes:
            status: str = changes.get("status") or conversation.status
            until: dt.datetime | None = changes.get("snoozed_until")
            conversation = conv_services.do_change_status(
                actor=actor,
                conversation=conversation,
                status=status,
                snoozed_until=until,
                event_extra=extra,
            )
        if changes.get("priority") is not None:
            conversation = conv_services.do_change_priority(
                actor=actor,
                conversation=conversation,
                priority=changes["priority"],
                event_extra=extra,
            )
        if changes.get("tags") is not None:
            names: Sequence[str] = changes["tags"]
            conversation = conv_services.do_set_tags(
                actor=actor, conversation=conversation, names=names, event_extra=extra
            )
    return selectors.get_conversation(principal=principal, conversation_id=conversation.pk)


def _rename_fields(exc: ValidationFailed, names: Mapping[str, str]) -> ValidationFailed:
    fields = {names.get(k, k): v for k, v in exc.fields.items()}
    return ValidationFailed(exc.message, fields=fields)
