"""Who handles a case: the assignee and the team."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Team, User
from blockdesk.common.errors import ValidationFailed
from blockdesk.common.realtime import publish_on_commit, user_group
from blockdesk.conversations import emitting, selectors
from blockdesk.conversations.models import (
    Conversation,
    ConversationEvent,
)
from blockdesk.conversations.services._common import (
    _publish_conversation,
    _record_event,
    check_agent_can_access,
)


def _assign(
    *,
    conversation: Conversation,
    assignee: User | None,
    actor: User | None,
    event_extra: dict[str, object] | None = None,
) -> None:
    old_assignee_id = conversation.assignee_id
    conversation.assignee = assignee
    conversation.save(update_fields=["assignee"])
    if assignee is None:
        _record_event(
            conversation=conversation,
            kind=ConversationEvent.Kind.UNASSIGNED,
            actor=actor,
            event_extra=event_extra,
        )
    else:
        _record_event(
            conversation=conversation,
            kind=ConversationEvent.Kind.ASSIGNED,
            actor=actor,
            data={"assignee_id": assignee.pk, "assignee_name": assignee.public_name},
            public=True,
            event_extra=event_extra,
        )
        publish_on_commit(
            [user_group(assignee.pk)],
            {"type": "conversation.assigned_to_you", "conversation_id": conversation.pk},
        )
    emitting.emit_conversation(
        conversation,
        "conversation.assigned",
        actor=emitting.actor_of(actor, event_extra),
        old_assignee_id=old_assignee_id,
        new_assignee_id=conversation.assignee_id,
    )
    _publish_conversation(conversation)


def do_assign(
    *,
    actor: User | None,
    conversation: Conversation,
    assignee: User | None = None,
    team: Team | None = None,
    set_team: bool = False,
    event_extra: dict[str, object] | None = None,
) -> Conversation:
    """Assign to an agent (or nobody). With `set_team`, also move it to `team` (or none).
    `actor=None` is a system or API-token action; the caller has scoped the conversation."""
    if actor is not None:
        check_agent_can_access(user=actor, conversation=conversation)
    if assignee is not None:
        if assignee.account_id != conversation.account_id or not assignee.is_active:
            raise ValidationFailed.field("assignee", _("No such agent."))
        if not selectors.agent_can_access_inbox(user=assignee, inbox_id=conversation.inbox_id):
            raise ValidationFailed.field("assignee", _("That agent has no access to this inbox."))
    if team is not None and team.account_id != conversation.account_id:
        raise ValidationFailed.field("team", _("No such team."))
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if set_team and conversation.team_id != (team.pk if team else None):
            old_team_id = conversation.team_id
            conversation.team = team
            conversation.save(update_fields=["team"])
            _record_event(
                conversation=conversation,
                kind=ConversationEvent.Kind.TEAM_CHANGED,
                actor=actor,
                data={
                    "team_id": team.pk if team else None,
                    "team_name": team.name if team else None,
                },
                event_extra=event_extra,
            )
            emitting.emit_conversation(
                conversation,
                "conversation.team_changed",
                actor=emitting.actor_of(actor, event_extra),
                old_team_id=old_team_id,
                new_team_id=conversation.team_id,
            )
        if conversation.assignee_id != (assignee.pk if assignee else None):
            _assign(
                conversation=conversation,
                assignee=assignee,
                actor=actor,
                event_extra=event_extra,
            )
        else:
            _publish_conversation(conversation)
    return conversation
