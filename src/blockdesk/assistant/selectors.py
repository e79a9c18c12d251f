"""Reads for the assistant: settings, approved articles, analytics per intent."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from blockdesk.accounts.models import User
from blockdesk.assistant.answer import Article
from blockdesk.assistant.models import AssistantConversation, AssistantSettings, AssistantTurn
from blockdesk.common import plain_sql
from blockdesk.common.errors import NotFound
from blockdesk.common.group_memo import per_group
from blockdesk.conversations.models import Conversation, Inbox, Message


@per_group  # read for each message of a flood's group: once per group
def settings_for_inbox(inbox: Inbox | int) -> AssistantSettings:
    """The inbox's settings, or unsaved defaults (assistant off) when never configured."""
    inbox_id = inbox if isinstance(inbox, int) else inbox.pk
    # Read for every customer message the assistant handles: a statement built once.
    found = plain_sql.fetch_one(AssistantSettings, where={"inbox": inbox_id})
    return found or AssistantSettings(inbox_id=inbox_id)


# An Inbox instance keeps the answer of `enabled_for_inbox` as long as the widget keeps its
# channel's inbox between requests (WIDGET_CHANNEL_CACHE_SECONDS, widget/services.py): a
# switch made in this process is seen at once (the generation below), one made on another
# node within those seconds, like the channel's own settings; 0 keeps nothing.
_MEMO = "_assistant_enabled_memo"
_settings_generation = [0]
_clock = time.monotonic  # the memo's clock (a test moves it)


def forget_enabled_memos(**kwargs: object) -> None:
    """Signal receiver (assistant/apps.py): an inbox's assistant settings changed."""
    _settings_generation[0] += 1


def enabled_for_inbox(inbox: Inbox | int) -> bool:
    """Asked for every new case (conversations.BOT_HANDLES_INBOX): a statement built once,
    and for an Inbox instance kept on it a while (see _MEMO; the widget's new cases read it
    once per cached channel instead of once per case; issue 17)."""
    if isinstance(inbox, int):
        return plain_sql.exists(AssistantSettings, where={"inbox": inbox, "enabled": True})
    now = _clock()
    memo = inbox.__dict__.get(_MEMO)
    if memo is not None and memo[0] == _settings_generation[0] and memo[1] > now:
        return bool(memo[2])
    generation = _settings_generation[0]
    enabled = plain_sql.exists(AssistantSettings, where={"inbox": inbox.pk, "enabled": True})
    inbox.__dict__[_MEMO] = (generation, now + settings.WIDGET_CHANNEL_CACHE_SECONDS, enabled)
    return enabled


def earlier_actions(*, conversation_id: int, actions: Sequence[str]) -> set[str]:
    """Which of `actions` the assistant already took in the case: one statement for what
    the hand-off note asks (did it clarify, did it diagnose) where each was one."""
    table = connection.ops.quote_name(AssistantTurn._meta.db_table)
    marks = ", ".join(["%s"] * len(actions))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT action FROM {table}"  # noqa: S608 (a name from _meta)
            f" WHERE conversation_id = %s AND action IN ({marks})",
            [conversation_id, *actions],
        )
        return {row[0] for row in cursor.fetchall()}


def handles_conversation(conversation: Conversation) -> bool:
    """Still the assistant's case: its inbox has the assistant on and it has neither
    handed off nor finished (a case it never saw yet counts as its own)."""
    # The case's inbox when the caller has it (the widget's, kept with its switch).
    inbox = conversation.inbox if Conversation.inbox.is_cached(conversation) else None
    if not enabled_for_inbox(inbox or conversation.inbox_id):
        return False
    # Asked for every customer message in such an inbox: a statement built once.
    state = plain_sql.fetch_one(AssistantConversation, where={"conversation": conversation.pk})
    return state is None or state.state == AssistantConversation.State.ACTIVE


def handled_q() -> Q:
    """`handles_conversation` as a query condition: the console's Assistant view
    (registered in conversations.selectors.BOT_HANDLED_Q)."""
    enabled = AssistantSettings.objects.filter(enabled=True).values("inbox_id")
    stepped_back = AssistantConversation.objects.filter(conversation_id=OuterRef("pk")).exclude(
        state=AssistantConversation.State.ACTIVE
    )
    return Q(inbox_id__in=enabled) & ~Q(Exists(stepped_back))


def assistant_inboxes(*, user: User) -> QuerySet[Inbox]:
    from blockdesk.conversations.selectors import visible_inboxes

    return visible_inboxes(user=user).order_by("name")


def get_inbox_for_admin(*, user: User, inbox_id: int) -> Inbox:
    inbox = assistant_inboxes(user=user).filter(pk=inbox_id).first()
    if inbox is None or not user.is_account_admin:
        raise NotFound()
    return inbox


# --- articles -----------------------------------------------------------------------


def _article(translation: Any) -> Article:
    from blockdesk.kb.selectors import absolute, article_path

    return Article(
        key=translation.article.key,
        language=translation.language,
        title=translation.title,
        summary=translation.summary,
        body=translation.body,
        url=absolute(article_path(translation)),
        id=translation.article_id,
    )


@per_group  # a flood asks about the same few articles: each read once per group
def published_article(*, account_id: int, key: str, language: str) -> Article | None:
    """The published article ``key`` in ``language``, else in the closest language."""
    from blockdesk.kb.models import ArticleTranslation
    from blockdesk.kb.selectors import PUBLISHED, pick

    # Read for every answer and hand-off the assistant writes: a statement built once.
    rows = plain_sql.fetch_all(
        ArticleTranslation,
        where={"account": account_id, "article__key": key, "status": PUBLISHED},
        related=("article__category",),
    )
    by_language = {tr.language: tr for tr in sorted(rows, key=lambda tr: tr.language)}
    chosen = pick(by_language, language) if by_language else None
    return _article(chosen) if chosen is not None else None


def article_choices(*, account_id: int, language: str) -> list[tuple[str, str]]:
    """(key, title) of every published article, titles in ``language`` where possible."""
    from blockdesk.kb.models import ArticleTranslation
    from blockdesk.kb.selectors import PUBLISHED, pick

    grouped: dict[str, dict[str, Any]] = {}
    rows = ArticleTranslation.objects.filter(account_id=account_id, status=PUBLISHED)
    for tr in rows.select_related("article"):
        grouped.setdefault(tr.article.key, {})[tr.language] = tr
    out = []
    for key, by_language in grouped.items():
        chosen = pick(by_language, language)
        out.append((key, chosen.title if chosen else key))
    return sorted(out, key=lambda kv: kv[1].casefold())


# --- workspace ----------------------------------------------------------------------


def assistant_message_for_agent(*, user: User, message_id: int) -> Message:
    from blockdesk.conversations.selectors import visible_conversations

    message = (
        Message.objects.filter(
            pk=message_id,
            sender_type=Message.SenderType.ASSISTANT,
            is_private=False,
            conversation__in=visible_conversations(user=user),
        )
        .select_related("conversation")
        .first()
    )
    if message is None:
        raise NotFound()
    return message


# --- analytics ----------------------------------------------------------------------


@dataclass(frozen=True)
class IntentStats:
    intent: str
    turns: int
    answered: int
    resolved: int
    handed_off: int
    corrected: int

    @property
    def deflection_rate(self) -> float:
        """Share of this intent's answered turns the assistant resolved on its own."""
        return self.resolved / self.answered if self.answered else 0.0

    @property
    def handoff_rate(self) -> float:
        return self.handed_off / self.turns if self.turns else 0.0


def intent_stats(*, account_id: int, inbox_id: int | None = None) -> list[IntentStats]:
    """Deflection and handoff rates per intent (article key; "oos" for out of scope)."""
    qs = AssistantTurn.objects.filter(account_id=account_id).exclude(intent="")
    qs = qs.exclude(action__in=[AssistantTurn.Action.CONFIRMED, AssistantTurn.Action.IGNORED])
    if inbox_id is not None:
        qs = qs.filter(conversation__inbox_id=inbox_id)
    Outcome, Action = AssistantTurn.Outcome, AssistantTurn.Action
    rows = (
        qs.values("intent")
        .annotate(
            turns=Count("id"),
            answered=Count("id", filter=Q(action__in=[Action.ANSWER, Action.DIAGNOSE])),
            resolved=Count("id", filter=Q(outcome=Outcome.RESOLVED)),
            handed_off=Count("id", filter=Q(outcome=Outcome.HANDED_OFF)),
            corrected=Count("id", filter=Q(outcome=Outcome.CORRECTED)),
        )
        .order_by("-turns", "intent")
    )
    return [IntentStats(**row) for row in rows]


def customer_message_texts(*, message_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(account, text) of these customer messages, in id order: what the actor will
    read, embedded ahead for a group (tasks.handle_customer_messages)."""
    rows = (
        Message.objects.filter(pk__in=message_ids, sender_type=Message.SenderType.CONTACT)
        .order_by("pk")
        .values_list("conversation__account_id", "content")
    )
    return [(int(account_id), str(content)) for account_id, content in rows]
