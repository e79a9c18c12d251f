"""Routing follows the event log (docs/events.md): a new case, a customer message, the
assistant's handoff, a status or assignment change update what routing knows of the case
and assign it, queue it, or move the queue. Transactional: the assignment (through the
conversations' `do_assign`), the timeline line, routing's own events and the cursor move
commit together, once per event.

Manual assignment always wins: an assignment by an agent, an API token or another rule is
the case's from then on; routing only tells its own assignments (the agent it chose) apart."""

from __future__ import annotations

from typing import Any

from blockdesk.conversations.models import Contact, Conversation, Message
from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event
from blockdesk.routing import facts, services
from blockdesk.routing.models import AgentRouting, RoutedCase

CONSUMER = "routing.assign"
EVENT_NAMES = (
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "conversation.priority_changed",
    "conversation.tags_changed",
    "message.created",
    "assistant.answered",
    "assistant.handed_off",
    "agent.presence_changed",
)
OPEN = Conversation.Status.OPEN


def _conversation_id(event: Event, data: dict[str, Any]) -> int | None:
    conversation = data.get("conversation")
    if isinstance(conversation, dict) and isinstance(conversation.get("id"), int):
        return int(conversation["id"])
    raw = data.get("conversation_id")
    return raw if isinstance(raw, int) else None


def _case(conversation_id: int, account_id: int) -> tuple[Conversation, RoutedCase] | None:
    # One query for a case routing knows already (every event after the first); its inbox
    # is read only if routing chooses an agent (most events choose none).
    known = (
        RoutedCase.objects.select_related("conversation")
        .filter(conversation_id=conversation_id, account_id=account_id)
        .first()
    )
    if known is not None:
        return known.conversation, known
    conversation = (
        Conversation.objects.select_related("inbox")
        .filter(pk=conversation_id, account_id=account_id)
        .first()
    )
    if conversation is None:  # erased, or not this account's
        return None
    case = services.case_for(conversation)
    return conversation, case


def on_event(event: Event) -> None:
    data: dict[str, Any] = event.payload or {}
    if event.name == "agent.presence_changed":
        agent_id = data.get("agent_id")
        if data.get("presence") == AgentRouting.Presence.ONLINE and isinstance(agent_id, int):
            services.do_drain_for_agent(user_id=agent_id, now=event.occurred_at)
        return
    conversation_id = _conversation_id(event, data)
    if conversation_id is None:  # redacted (an erased customer)
        return
    found = _case(conversation_id, event.account_id)
    if found is None:
        return
    conversation, case = found
    freed: int | None = None
    changed: set[str] = set()
    if event.name == "message.created":
        _on_message(event, data, conversation, case, changed)
    elif event.name == "conversation.created":
        locale = (
            Contact.objects.filter(pk=conversation.contact_id)
            .values_list("locale", flat=True)
            .first()
        )
        if locale and facts.set_language(case, locale, "contact"):
            changed.update({"language", "language_source"})
        # The first message is written with the case, but its event comes after this one:
        # routing decides now, so it reads the message here (one query).
        first = (
            Message.objects.filter(
                conversation_id=conversation.pk, sender_type=Message.SenderType.CONTACT
            )
            .order_by("id")
            .values_list("content", flat=True)
            .first()
        )
        if first:
            changed |= facts.learn_from_customer_text(case, first)
    elif event.name == "assistant.answered":
        if facts.set_language(case, str(data.get("language") or ""), "assistant"):
            changed.update({"language", "language_source"})
        case.topics = facts.add_items(case.topics, list(data.get("article_keys") or []))
        changed.add("topics")
    elif event.name == "assistant.handed_off":
        case.topics = facts.add_items(case.topics, [str(data.get("reason") or "")])
        changed.add("topics")
    elif event.name == "conversation.tags_changed":
        tags = (data.get("conversation") or {}).get("tags") or []
        case.topics = facts.add_items(case.topics, list(tags))
        changed.add("topics")
    elif event.name == "conversation.priority_changed":
        name = str((data.get("conversation") or {}).get("priority") or "")
        case.priority = facts.PRIORITY_BY_NAME.get(name, case.priority)
        changed.add("priority")
    elif event.name == "conversation.assigned":
        freed = _on_assigned(event, data, conversation, case, changed)
    elif event.name == "conversation.status_changed" and data.get("new") != OPEN:
        case.awaiting_since = None  # pending, snoozed, resolved: no reply owed
        changed.add("awaiting_since")
        if data.get("old") == OPEN:
            freed = conversation.assignee_id
    if changed:
        case.save(update_fields=sorted(changed))
    # The case as just read and written (do_route by id would read both again).
    services.do_route_case(conversation=conversation, case=case, now=event.occurred_at)
    if freed is not None:
        services.do_drain_for_agent(user_id=freed, now=event.occurred_at)


def _on_message(
    event: Event,
    data: dict[str, Any],
    conversation: Conversation,
    case: RoutedCase,
    changed: set[str],
) -> None:
    sender = data.get("sender") or {}
    if data.get("private"):
        return
    if sender.get("kind") == "contact":
        changed |= facts.learn_from_customer_text(case, str(data.get("content") or ""))
        if conversation.assignee_id is not None and case.awaiting_since is None:
            case.awaiting_since = event.occurred_at
            changed.add("awaiting_since")
    elif (
        sender.get("kind") == "agent"
        and sender.get("id") is not None
        and sender.get("id") == conversation.assignee_id
        and case.awaiting_since is not None
    ):
        case.awaiting_since = None  # the assignee answered: nothing owed
        changed.add("awaiting_since")


def _on_assigned(
    event: Event,
    data: dict[str, Any],
    conversation: Conversation,
    case: RoutedCase,
    changed: set[str],
) -> int | None:
    """Returns the agent whose slot this freed, if any."""
    new, old = data.get("new_assignee_id"), data.get("old_assignee_id")
    ours = event.actor_kind == "system" and (
        new == case.routed_to_id or conversation.assignee_id == case.routed_to_id
    )
    if ours or event.actor_kind == "assistant" or new == old:
        return None
    if new is None:
        # A person (or a rule) took the assignee away: routing may route it again, but
        # not back to an agent who gave it up.
        case.manual = False
        if event.actor_kind == "agent" and event.actor_id == old and old not in case.excluded:
            case.excluded = [*case.excluded, old]
        changed.update({"manual", "excluded"})
    else:
        case.manual = True
        case.queued_at = None
        case.awaiting_since = None
        changed.update({"manual", "queued_at", "awaiting_since"})
    return old if isinstance(old, int) else None


def on_events_reset(from_event_id: int | None) -> None:
    """`events replay`: the case facts are rebuilt from the log; queues and assignments stay
    (they are facts of the conversations now, not of the log)."""
    if from_event_id is None:
        RoutedCase.objects.update(language="", language_source="", chains=[], topics=[])


register_consumer(
    CONSUMER,
    on_event,
    event_names=list(EVENT_NAMES),
    mode="transactional",
    reset=on_events_reset,
)
