"""Reads shaped for the agent console. Authorisation comes from the conversation
selectors (visible_conversations and friends); this module only arranges the results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone

from blockdesk.accounts.models import Team, User
from blockdesk.common.errors import NotFound
from blockdesk.conversations import contact_selectors
from blockdesk.conversations import selectors as conv_selectors
from blockdesk.conversations import timeline as timeline_kinds
from blockdesk.conversations.channel_registry import channel_choices, channel_label
from blockdesk.conversations.models import (
    CannedReply,
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    Message,
    Tag,
)
from blockdesk.conversations.serializers import PRIORITY_NAMES
from blockdesk.sla import selectors as sla_selectors
from blockdesk.workspace import panels

VIEWS = conv_selectors.VIEWS
# The Assistant view lists what the assistant is handling: pending, waiting on the bot.
VIEW_STATUS = {"assistant": "pending"}
STATUS_ANY = "any"
PAGE_SIZE = 25
TIMELINE_LIMIT = 300
SNIPPET_LENGTH = 120


def priority_name(value: int) -> str:
    return PRIORITY_NAMES[Conversation.Priority(value)]


def priority_label(value: int) -> str:
    return str(Conversation.Priority(value).label)


def status_label(value: str) -> str:
    return str(Conversation.Status(value).label)


def time_label(value: dt.datetime | None) -> str:
    """Short, local time: the clock for today, the date otherwise."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return formats.time_format(local, "H:i")
    if local.year == timezone.localdate().year:
        return formats.date_format(local, "M j")
    return formats.date_format(local, "SHORT_DATE_FORMAT")


def full_time_label(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


# --- the conversation list --------------------------------------------------------


@dataclass(frozen=True)
class ListParams:
    """The list's query string, normalised, plus what it means for the filters."""

    filters: conv_selectors.ConversationFilters
    status_param: str  # "open", …, or "any"
    cursor: str | None
    sort: str = "activity"  # or "sla": the nearest SLA deadline first

    def querystring(self, **overrides: Any) -> str:
        from urllib.parse import urlencode

        f = self.filters
        values: dict[str, Any] = {
            "view": f.view,
            "status": self.status_param,
            "inbox": f.inbox_id or "",
            "priority": f.priority or "",
            "tag": f.tag or "",
            "q": f.q or "",
            "sort": "" if self.sort == "activity" else self.sort,
            "channel": f.channel or "",
        }
        values.update(overrides)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def parse_list_params(query: Mapping[str, str]) -> ListParams:
    """Unknown values fall back to the defaults rather than erroring: these come from
    bookmarks and hand-edited URLs."""
    view = query.get("view") or "all"
    if view not in VIEWS:
        view = "all"
    status_param = query.get("status") or "open"
    if status_param != STATUS_ANY and status_param not in Conversation.Status.values:
        status_param = "open"
    priority = query.get("priority") or None
    if priority is not None and priority not in PRIORITY_NAMES.values():
        priority = None
    inbox_raw = query.get("inbox") or ""
    inbox_id = int(inbox_raw) if inbox_raw.isdigit() else None
    q = (query.get("q") or "").strip()[:200] or None
    tag = (query.get("tag") or "").strip()[:50] or None
    channel = query.get("channel") or None
    if channel is not None and channel not in dict(channel_choices()):
        channel = None
    filters = conv_selectors.ConversationFilters(
        view=view,
        status=None if status_param == STATUS_ANY else status_param,
        inbox_id=inbox_id,
        priority=priority,
        tag=tag,
        q=q,
        channel=channel,
    )
    sort = "sla" if query.get("sort") == "sla" else "activity"
    return ListParams(
        filters=filters, status_param=status_param, cursor=query.get("cursor"), sort=sort
    )


def tab_params(params: ListParams, view: str) -> ListParams:
    """Where a view tab leads: the same filters in that view. The Assistant tab opens on
    Pending (where the assistant's cases wait); leaving it goes back to Open."""
    status = params.status_param
    if view in VIEW_STATUS:
        status = VIEW_STATUS[view]
    elif params.filters.view in VIEW_STATUS and status == VIEW_STATUS[params.filters.view]:
        status = "open"
    filters = replace(params.filters, view=view, status=None if status == STATUS_ANY else status)
    return ListParams(filters=filters, status_param=status, cursor=None)


def view_counts(*, user: User, params: ListParams) -> dict[str, int]:
    """The badge of each view tab: how many rows the tab's list holds (every page), with
    the filters in force. One query per distinct status among the tabs (two at most)."""
    by_status: dict[str, list[str]] = {}
    for view in VIEWS:
        by_status.setdefault(tab_params(params, view).status_param, []).append(view)
    counts: dict[str, int] = {}
    for views in by_status.values():
        tab = tab_params(params, views[0])
        base = conv_selectors.matching_conversations(
            user=user, filters=replace(tab.filters, view="all")
        )
        counts.update(
            base.aggregate(
                **{
                    view: (
                        Count("pk")
                        if view == "all"
                        else Count("pk", filter=conv_selectors.view_q(user=user, view=view))
                    )
                    for view in views
                }
            )
        )
    return counts


def _with_snippet(qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-id")
    return qs.annotate(
        snippet=Subquery(last.values("content")[:1]),
        snippet_private=Subquery(last.values("is_private")[:1]),
        snippet_sender=Subquery(last.values("sender_type")[:1]),
    )


def conversation_list(
    *, user: User, params: ListParams, only_id: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Conversation], str | None]:
    qs = conv_selectors.filter_conversations(user=user, filters=params.filters)
    if only_id is not None:
        qs = qs.filter(pk=only_id)
    qs = _with_snippet(qs)
    if params.sort == "sla":
        qs = sla_selectors.order_by_deadline(qs)
        page = sla_selectors.paginate_by_deadline(qs, cursor=params.cursor, limit=limit)
    else:
        page = conv_selectors.paginate_conversations(qs, cursor=params.cursor, limit=limit)
    sla_selectors.attach_deadlines(page[0])  # one query for the page's SLA badges
    return page


def row_dict(conv: Conversation, *, url: str) -> dict[str, Any]:
    snippet = (getattr(conv, "snippet", None) or "").strip().replace("\n", " ")
    return {
        "id": conv.pk,
        "display_id": conv.display_id,
        "url": url,
        "contact_name": str(conv.contact.display_name),
        "subject": conv.subject,
        "snippet": snippet[:SNIPPET_LENGTH],
        "snippet_private": bool(getattr(conv, "snippet_private", False)),
        "snippet_outgoing": getattr(conv, "snippet_sender", "") in ("agent", "assistant"),
        "status": conv.status,
        "status_label": status_label(conv.status),
        "priority": priority_name(conv.priority),
        "priority_label": priority_label(conv.priority),
        "assignee_name": conv.assignee.public_name if conv.assignee else "",
        "inbox_name": conv.inbox.name,
        "channel": conv.inbox.channel_kind,
        "channel_label": channel_label(conv.inbox.channel_kind),
        "tags": sorted(t.name for t in conv.tags.all()),
        "last_activity_at": conv.last_activity_at.isoformat(),
        "time_label": time_label(conv.last_activity_at),
        "unread": bool(getattr(conv, "has_unread", False)),
        "sla": sla_selectors.row_badge(conv),
    }


def tag_names(*, user: User) -> list[str]:
    return list(Tag.objects.filter(account_id=user.account_pk).values_list("name", flat=True))


# --- one conversation -------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # "message" | "event"
    created_at: dt.datetime
    message: Message | None = None
    event: ConversationEvent | None = None
    text: str = ""
    # Transaction hashes and addresses in a customer message.
    spans: tuple[panels.EntitySpan, ...] = ()
    # Audio played under an event's line (a call recording), for agents who see the case.
    audio_url: str | None = None

    @property
    def segments(self) -> list[panels.Segment]:
        return panels.segments(self.message.content if self.message else "", self.spans)


def timeline(
    *,
    conversation: Conversation,
    after_message: int = 0,
    after_event: int = 0,
    finder: panels.EntityFinder | None = None,
) -> list[TimelineItem]:
    """Messages (notes included: only agents read this) and events, oldest first. With a
    `finder`, customer messages carry their entity spans."""
    messages = (
        conversation.messages.filter(id__gt=after_message)
        .select_related("sender_user", "sender_contact")
        .prefetch_related("attachments")
        .order_by("-id")[:TIMELINE_LIMIT]
    )
    events = conversation.events.filter(id__gt=after_event).select_related("actor")
    items = [
        TimelineItem(
            "message",
            m.created_at,
            message=m,
            spans=(
                finder.spans(m.content)
                if finder is not None and m.sender_type == Message.SenderType.CONTACT
                else ()
            ),
        )
        for m in messages
    ]
    items += [
        TimelineItem(
            "event",
            e.created_at,
            event=e,
            text=describe_event(e),
            audio_url=timeline_kinds.event_audio_url(e),
        )
        for e in events.order_by("-id")[:TIMELINE_LIMIT]
        if timeline_kinds.is_shown(e)
    ]
    items.sort(key=lambda i: (i.created_at, 0 if i.kind == "event" else 1))
    return items


def describe_event(event: ConversationEvent) -> str:
    # Each app registers what its kinds say (conversations/timeline.py).
    return timeline_kinds.describe_event(event)


def message_item_dict(
    message: Message, spans: tuple[panels.EntitySpan, ...] = ()
) -> dict[str, Any]:
    from blockdesk.assistant.presenters import message_info
    from blockdesk.conversations.serializers import sender_name

    return {
        "type": "message",
        "id": message.pk,
        "sender_type": message.sender_type,
        "sender_name": sender_name(message),
        "content": message.content,
        "private": message.is_private,
        "created_at": message.created_at.isoformat(),
        "time_label": time_label(message.created_at),
        "full_time": full_time_label(message.created_at),
        "attachments": [
            {
                "filename": a.filename,
                "url": f"/attachments/{a.pk}/",
                "image": a.content_type.startswith("image/"),
                "audio": a.content_type.startswith("audio/"),
            }
            for a in message.attachments.all()
        ],
        "entities": [s.as_dict(message.content) for s in spans],
        "assistant": message_info(message),  # article + confidence of assistant replies
    }


def timeline_item_dict(item: TimelineItem) -> dict[str, Any]:
    if item.message is not None:
        return message_item_dict(item.message, item.spans)
    assert item.event is not None
    data: dict[str, Any] = {
        "type": "event",
        "id": item.event.pk,
        "text": item.text,
        "created_at": item.created_at.isoformat(),
        "time_label": time_label(item.created_at),
        "full_time": full_time_label(item.created_at),
    }
    if item.audio_url:
        data["audio"] = item.audio_url
    if item.event.kind == ConversationEvent.Kind.DIAGNOSIS:
        # The panel shows the newest diagnosis, live, whoever ran it.
        data["diagnosis"] = panels.diagnosis_view(item.event)
    return data


def conversation_state(conv: Conversation) -> dict[str, Any]:
    """What the header controls show; sent after every change so that other agents'
    edits show up live too."""
    return {
        "id": conv.pk,
        "display_id": conv.display_id,
        "status": conv.status,
        "status_label": status_label(conv.status),
        "snoozed_until": conv.snoozed_until.isoformat() if conv.snoozed_until else None,
        "snoozed_until_label": full_time_label(conv.snoozed_until),
        "priority": priority_name(conv.priority),
        "assignee_id": conv.assignee_id,
        "assignee_name": conv.assignee.public_name if conv.assignee else "",
        "team_id": conv.team_id,
        "tags": sorted(t.name for t in conv.tags.all()),
    }


def assignable_agents(*, conversation: Conversation) -> QuerySet[User]:
    """Active agents who can open the conversation: inbox members and the admins."""
    return (
        User.objects.filter(account_id=conversation.account_id, is_active=True)
        .filter(Q(role=User.Role.ADMIN) | Q(inboxes=conversation.inbox_id))
        .distinct()
        .order_by("display_name", "username")
    )


def account_teams(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(account_id=user.account_pk).order_by("name")


@dataclass(frozen=True)
class ContactPanel:
    contact: Contact
    identities: list[Any]
    attributes: list[tuple[str, str]]
    other_conversations: list[Conversation]
    # One customer across channels (docs/identity.md): every identity with whether the
    # agent may split it off, and the merges the console suggests.
    all_identities: list[ContactIdentity] = field(default_factory=list)
    can_manage: bool = False
    suggestions: list[contact_selectors.MergeSuggestion] = field(default_factory=list)
    # The split form's checkboxes: the profile's cases, and per identity the ones ticked
    # first (those that came through it; none when it is one of two of a kind).
    split_conversations: list[Conversation] = field(default_factory=list)
    split_choices: list[SplitChoice] = field(default_factory=list)


@dataclass(frozen=True)
class SplitChoice:
    identity: ContactIdentity
    ambiguous: bool  # another identity of the same kind: which case came through which?
    ticked: frozenset[int]


SPLIT_CASES_SHOWN = 30


def _split_choices(
    identities: list[ContactIdentity], conversations: list[Conversation]
) -> list[SplitChoice]:
    """What `contact_selectors.identity_conversations` would move, without a query per
    identity (the conversations are already loaded with their inbox)."""
    per_kind: dict[str, int] = {}
    for identity in identities:
        per_kind[identity.kind] = per_kind.get(identity.kind, 0) + 1
    choices = []
    for identity in identities:
        ambiguous = per_kind[identity.kind] > 1
        kinds = contact_selectors.identity_channel_kinds(identity.kind)
        ticked = frozenset(
            c.pk for c in conversations if not ambiguous and c.inbox.channel_kind in kinds
        )
        choices.append(SplitChoice(identity=identity, ambiguous=ambiguous, ticked=ticked))
    return choices


def contact_panel(*, user: User, conversation: Conversation) -> ContactPanel:
    contact = conversation.contact
    visible = conv_selectors.visible_conversations(user=user)
    others = list(
        conv_selectors.contact_conversations(contact=contact)
        .select_related("inbox")
        .filter(pk__in=visible.values("pk"))
        .exclude(pk=conversation.pk)[:20]
    )
    for other in others:
        other.channel_label = channel_label(other.inbox.channel_kind)  # type: ignore[attr-defined]
    all_identities = list(contact.identities.all())
    try:
        contact_selectors.check_agent_can_manage_contact(user=user, contact=contact)
        can_manage = True
    except NotFound:
        can_manage = False
    attributes = [
        (str(k), v if isinstance(v, str) else str(v))
        for k, v in sorted((contact.attributes or {}).items())
    ]
    split_conversations: list[Conversation] = []
    if can_manage and len(all_identities) > 1:
        # The agent sees every case of the profile (can_manage), so all may be listed.
        split_conversations = list(
            conv_selectors.contact_conversations(contact=contact)
            .select_related("inbox")
            .order_by("-last_activity_at", "-id")[:SPLIT_CASES_SHOWN]
        )
        for conv in split_conversations:
            conv.channel_label = channel_label(conv.inbox.channel_kind)  # type: ignore[attr-defined]
    return ContactPanel(
        contact=contact,
        # The email identity repeats the email shown at the top.
        identities=[
            i
            for i in all_identities
            if not (i.kind == ContactIdentity.Kind.EMAIL and i.value == contact.email)
        ],
        attributes=attributes,
        other_conversations=others,
        all_identities=all_identities,
        can_manage=can_manage,
        suggestions=(
            contact_selectors.merge_suggestions(user=user, contact=contact) if can_manage else []
        ),
        split_conversations=split_conversations,
        split_choices=(
            _split_choices(all_identities, split_conversations) if split_conversations else []
        ),
    )


def canned_reply_dicts(*, user: User, prefix: str = "") -> list[dict[str, Any]]:
    prefix = prefix.strip().lstrip("/").lower()
    qs: QuerySet[CannedReply] = conv_selectors.canned_replies(user=user, prefix=prefix)
    return [{"id": r.pk, "shortcut": r.shortcut, "content": r.content} for r in qs[:50]]


# --- chain registry settings ------------------------------------------------------


def contract_abis(*, actor: User, chain: Any) -> list[dict[str, Any]]:
    """ABIs that apply to `chain`: its own and the account-wide ones."""
    from blockdesk.chain.models import ContractAbi

    rows = ContractAbi.objects.filter(account_id=actor.account_pk).filter(
        Q(chain=chain) | Q(chain__isnull=True)
    )
    return [
        {
            "name": abi.name,
            "address": abi.address,
            "every_chain": abi.chain_id is None,
            "errors": sum(
                1
                for entry in (abi.abi if isinstance(abi.abi, list) else [])
                if isinstance(entry, dict) and entry.get("type") == "error"
            ),
        }
        for abi in rows.order_by("name")
    ]
