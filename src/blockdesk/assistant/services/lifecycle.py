"""The assistant's case lifecycle: waiting for "did this solve it?", resolving (confirmed
or on timeout), and stepping back when an agent takes over."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from blockdesk.accounts.models import User
from blockdesk.assistant import emitting
from blockdesk.assistant.models import AssistantConversation, AssistantTurn
from blockdesk.assistant.phrases import phrase
from blockdesk.assistant.services._context import (
    Action,
    Awaiting,
    Outcome,
    State,
    Status,
    _agent_meta,
    _Context,
    _send,
    _stored,
    _turn,
)
from blockdesk.common import plain_sql
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation

logger = logging.getLogger(__name__)


def _await_confirmation(ctx: _Context) -> None:
    minutes = ctx.config.resolution_timeout_minutes or 30
    ctx.state.awaiting = Awaiting.CONFIRMATION
    ctx.state.options = []
    # Resolved by the periodic sweep (do_resolve_timed_out, every 30 s) once due: no
    # deferred task per answer, whose queueing and later run cost more than the answer's
    # own writes under a flood (issue 17); 30 s late on a 30-minute timeout.
    ctx.state.resolve_after = timezone.now() + dt.timedelta(minutes=minutes)
    plain_sql.save_row(ctx.state)


def do_resolve_timed_out(*, now: dt.datetime | None = None) -> int:
    """Count as solved the answers the customer left without asking for more within
    the inbox's resolution timeout. Periodic and idempotent."""
    now = now or timezone.now()
    due = AssistantConversation.objects.filter(
        state=State.ACTIVE, awaiting=Awaiting.CONFIRMATION, resolve_after__lte=now
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due[:500]):
        if _resolve_one(pk, now=now):
            count += 1
    return count


def _resolve_one(pk: int, *, now: dt.datetime) -> bool:
    with transaction.atomic():
        state = (
            AssistantConversation.objects.select_for_update()
            .select_related("conversation")
            .filter(pk=pk, state=State.ACTIVE, awaiting=Awaiting.CONFIRMATION)
            .first()
        )
        if state is None or state.resolve_after is None or state.resolve_after > now:
            return False
        conversation = state.conversation
        answered = (
            AssistantTurn.objects.filter(conversation=conversation, reply__isnull=False)
            .order_by("-id")
            .first()
        )
        if answered is not None and conversation.last_incoming_id > answered.message_id:
            return False  # the customer wrote again; that message is being handled
        if conversation.status == Status.RESOLVED:
            return False
        _resolve(state, how=AssistantConversation.ResolvedBy.TIMEOUT)
    return True


def do_note_agent_activity(*, conversation_id: int) -> None:
    """An agent replied in (or opened/closed) a case the assistant was handling: the
    assistant steps back."""
    with transaction.atomic():
        state = (
            AssistantConversation.objects.select_for_update()
            .filter(conversation_id=conversation_id, state=State.ACTIVE)
            .first()
        )
        if state is not None:
            _stop(state, reason="agent_took_over")


def _locked_state(conversation: Conversation) -> AssistantConversation:
    """The assistant's state of the case, locked for this transaction; created (and so
    held) on the case's first message."""
    return _locked_state_created(conversation)[0]


def _locked_state_created(
    conversation: Conversation, *, likely_new: bool = False
) -> tuple[AssistantConversation, bool]:
    """`_locked_state`, and whether this transaction created the row: then no turn of the
    case exists yet (turns are stored only under this row's lock). Two handlers racing to
    create it: the loser's insert waits for the winner's and skips, and it then waits for
    the winner's row. `likely_new`: try the insert first (one statement instead of two
    for a case the assistant never answered in; a wrong guess costs the insert that finds
    the row, and the answer is the same either way)."""
    where = {"conversation": conversation.pk}
    if not likely_new:
        state = plain_sql.fetch_one(AssistantConversation, where=where, for_update=True)
        if state is not None:
            return state, False
    state = AssistantConversation(conversation=conversation, account_id=conversation.account_id)
    if plain_sql.insert_row_if_absent(state):
        return state, True
    found = plain_sql.fetch_one(AssistantConversation, where=where, for_update=True)
    assert found is not None  # the row that won cannot go away in the meantime
    return found, False


def do_take_over(*, actor: User, conversation: Conversation) -> Conversation:
    """An agent takes a case from the assistant (the console's Assistant view): the
    assistant steps back first, explicitly (`assistant.handed_off`, reason
    `agent_took_over`), then the case is the agent's and open, in one transaction."""
    conv_services.check_agent_can_access(user=actor, conversation=conversation)
    with transaction.atomic():
        state = _locked_state(conversation)
        if state.state == State.ACTIVE:
            _stop(state, reason="agent_took_over")
        conversation = conv_services.do_assign(
            actor=actor, conversation=conversation, assignee=actor
        )
        if conversation.status != Status.OPEN:
            conversation = conv_services.do_change_status(
                actor=actor, conversation=conversation, status=Status.OPEN
            )
    return conversation


def _confirm_solved(ctx: _Context) -> AssistantTurn:
    turn = _turn(ctx, action=Action.CONFIRMED, outcome=Outcome.RESOLVED)
    reply = _send(ctx, phrase("glad", ctx.language), public={}, agent=_agent_meta(ctx, turn))
    _stored(turn, reply=reply)
    _resolve(ctx.state, how=AssistantConversation.ResolvedBy.CONFIRMED)
    return turn


def _resolve(state: AssistantConversation, *, how: str) -> None:
    state.state = State.RESOLVED
    state.resolved_by = how
    state.awaiting = Awaiting.NOTHING
    state.resolve_after = None
    plain_sql.save_row(state)
    AssistantTurn.objects.filter(
        conversation_id=state.conversation_id,
        outcome=Outcome.PENDING,
        action__in=[Action.ANSWER, Action.DIAGNOSE],
    ).update(outcome=Outcome.RESOLVED)
    emitting.emit_resolved(state, contact_id=state.conversation.contact_id)
    conv_services.do_change_status(
        actor=None,
        conversation=state.conversation,
        status=Status.RESOLVED,
        event_extra={"by": "assistant", "resolved_by": how},
    )


def _stop(state: AssistantConversation, *, reason: str, turn: AssistantTurn | None = None) -> None:
    state.state = State.HANDED_OFF
    state.handoff_reason = reason
    state.awaiting = Awaiting.NOTHING
    state.resolve_after = None
    plain_sql.save_row(state)
    AssistantTurn.objects.filter(
        conversation_id=state.conversation_id, outcome=Outcome.PENDING
    ).update(outcome=Outcome.HANDED_OFF)
    emitting.emit_handed_off(state, turn=turn)
