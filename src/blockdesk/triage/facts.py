"""What triage knows about a case, gathered in a handful of queries (`gather`). The
score (scoring.py) and the rules (rules.py) are pure functions of these facts, so they
are tested without a database and explain themselves the same way everywhere."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise

from blockdesk.assistant import cues
from blockdesk.assistant.handoff import SENSITIVE_REASONS
from blockdesk.assistant.models import AssistantConversation, AssistantTurn
from blockdesk.chain.entities import extract_entities
from blockdesk.conversations.models import Conversation, ConversationEvent, Message
from blockdesk.mood import selectors as mood_selectors
from blockdesk.mood.analyzer import analyse
from blockdesk.mood.selectors import ANGRY

# Enough history to judge a case; a long one is judged on its recent part.
RECENT_MESSAGES = 60
OPEN_STATUSES = ("open", "pending")


@dataclass(frozen=True)
class Amount:
    value: Decimal
    symbol: str
    # Its value in the reference currency, None when no reference price is set.
    reference: Decimal | None = None


@dataclass(frozen=True)
class Facts:
    conversation_id: int = 0
    account_id: int = 0
    status: str = "open"
    inbox_id: int = 0
    channel: str = ""
    intent: str = ""
    intent_confidence: float = 0.0
    handoff_reason: str = ""
    amounts: tuple[Amount, ...] = ()
    chains: frozenset[str] = frozenset()
    tx_hashes: frozenset[str] = frozenset()
    # "seed_phrase", "private_key" … (the secret guard's findings) and sensitive topics
    # ("account_compromised", "funds_stolen_or_missing" …).
    security: tuple[str, ...] = ()
    mood: str = ""  # "negative" | "neutral" | "positive" | "" (not scored)
    angry: bool = False
    distressed: bool = False
    # The customer's oldest message no one has answered yet (None: nothing unanswered).
    waiting_since: dt.datetime | None = None
    tier: str = ""
    diagnosis: str = ""  # the latest transaction check's status ("failed", "not_found" …)
    diagnosis_needs_agent: bool = False
    exchanges: int = 0  # turns between the customer and support so far
    customer_text: str = ""  # recent customer messages, for keyword conditions
    tags: frozenset[str] = field(default_factory=frozenset)

    @property
    def largest_amount(self) -> Amount | None:
        valued = [a for a in self.amounts if a.reference is not None]
        if valued:
            return max(valued, key=lambda a: a.reference or Decimal(0))
        return max(self.amounts, key=lambda a: a.value, default=None)

    @property
    def at_stake(self) -> Decimal:
        """The largest single amount in the reference currency (0 when none is priced):
        the largest, not the sum, since customers repeat the same amount."""
        largest = self.largest_amount
        return largest.reference if largest and largest.reference is not None else Decimal(0)


def value_of(amount: Decimal, symbol: str, prices: dict[str, str]) -> Decimal | None:
    raw = prices.get(symbol.upper())
    if raw is None:
        return None
    try:
        return (amount * Decimal(str(raw))).quantize(Decimal("0.01"))
    except ArithmeticError:
        return None


def gather(*, conversation: Conversation, prices: dict[str, str]) -> Facts:
    """The facts of one conversation (already scoped by the caller). Reads only."""
    messages = list(
        Message.objects.filter(conversation_id=conversation.pk, is_private=False)
        .order_by("-id")
        .only("id", "sender_type", "content", "created_at")[:RECENT_MESSAGES]
    )
    messages.reverse()
    customer = [m for m in messages if m.sender_type == Message.SenderType.CONTACT]

    amounts: dict[tuple[Decimal, str], Amount] = {}
    chains: set[str] = set()
    hashes: set[str] = set()
    sensitive: list[str] = []
    for m in customer:
        found = extract_entities(m.content)
        for a in found.amounts:
            key = (a.value, a.symbol.upper())
            amounts[key] = Amount(a.value, key[1], value_of(a.value, key[1], prices))
        chains.update(c.chain for c in found.chains)
        hashes.update(h.value for h in found.tx_hashes)
        reason = cues.sensitive_reason(m.content)
        if reason and reason not in sensitive:
            sensitive.append(reason)

    events = list(
        ConversationEvent.objects.filter(
            conversation_id=conversation.pk,
            kind__in=[ConversationEvent.Kind.SECRET_REDACTED, ConversationEvent.Kind.DIAGNOSIS],
        ).order_by("id")
    )
    security: list[str] = []
    diagnosis, needs_agent = "", False
    for e in events:
        data = e.data or {}
        if e.kind == ConversationEvent.Kind.SECRET_REDACTED:
            for kind in data.get("kinds") or []:
                if str(kind) not in security:
                    security.append(str(kind))
        else:
            result = data.get("result") or {}
            diagnosis = str((result.get("facts") or {}).get("status") or "")
            needs_agent = bool(result.get("needs_agent"))
            chain = (result.get("facts") or {}).get("chain_key")
            if chain:
                chains.add(str(chain))
    if conversation.secret_exposed and not security:
        security.append("secret")

    turn = (
        AssistantTurn.objects.filter(conversation_id=conversation.pk, is_oos=False)
        .exclude(intent="")
        .order_by("-id")
        .values("intent", "confidence")
        .first()
    )
    state = (
        AssistantConversation.objects.filter(conversation_id=conversation.pk)
        .values_list("handoff_reason", flat=True)
        .first()
    )
    handoff = str(state or "")
    if handoff in SENSITIVE_REASONS and handoff != "secret_exposed" and handoff not in sensitive:
        sensitive.append(handoff)
    security.extend(s for s in sensitive if s not in security)

    label, angry, distressed = _mood(conversation.pk, customer[-1] if customer else None)
    tier = str((conversation.contact.attributes or {}).get("tier") or "").strip().lower()
    return Facts(
        conversation_id=conversation.pk,
        account_id=int(conversation.account_id),
        status=conversation.status,
        inbox_id=int(conversation.inbox_id),
        channel=conversation.inbox.channel_kind,
        intent=str(turn["intent"]) if turn else "",
        intent_confidence=float(turn["confidence"]) if turn else 0.0,
        handoff_reason=handoff,
        amounts=tuple(amounts.values()),
        chains=frozenset(chains),
        tx_hashes=frozenset(hashes),
        security=tuple(security),
        mood=label,
        angry=angry,
        distressed=distressed,
        waiting_since=_waiting_since(conversation.status, messages),
        tier=tier,
        diagnosis=diagnosis,
        diagnosis_needs_agent=needs_agent,
        exchanges=_exchanges(messages),
        customer_text="\n".join(m.content for m in customer[-10:]),
        tags=frozenset(t.name for t in conversation.tags.all()),
    )


def _mood(conversation_id: int, latest: Message | None) -> tuple[str, bool, bool]:
    """The conversation's mood (mood app). The mood consumer may not have scored the newest
    message yet (consumers run in any order): then it is scored here, without storing."""
    found = mood_selectors.conversation_mood(conversation_id=conversation_id)
    scored = mood_selectors.moods_for_messages(message_ids=[latest.pk]) if latest else {}
    if latest is not None and latest.pk not in scored and latest.content.strip():
        now = analyse(latest.content)
        angry = now.emotions.get("anger", 0.0) >= ANGRY or bool(found and found.angry)
        distressed = (
            now.score <= -0.5
            or max(now.emotions.values(), default=0.0) >= ANGRY
            or bool(found and found.distressed)
        )
        return now.mood, angry, distressed
    if found is None:
        return "", False, False
    return found.label, found.angry, found.distressed


def _waiting_since(status: str, messages: list[Message]) -> dt.datetime | None:
    if status not in OPEN_STATUSES:
        return None
    since = None
    for m in messages:
        if m.sender_type == Message.SenderType.CONTACT:
            since = since or m.created_at
        elif m.sender_type in (Message.SenderType.AGENT, Message.SenderType.ASSISTANT):
            since = None
    return since


def _exchanges(messages: list[Message]) -> int:
    """How many times the word passed between the customer and support."""
    sides = [
        "c" if m.sender_type == Message.SenderType.CONTACT else "s"
        for m in messages
        if m.sender_type != Message.SenderType.SYSTEM
    ]
    return sum(1 for a, b in pairwise(sides) if a != b)
