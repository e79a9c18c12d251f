"""Reads: the public list and roadmap of one account (hidden and merged suggestions never
shown), a customer's votes, and the console's list with demand counted per suggestion."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.conversations.models import Contact
from blockdesk.feedback.models import DemandLink, StatusChange, Suggestion, Vote

Status = Suggestion.Status
ROADMAP_COLUMNS = (Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PROGRESS, Status.DONE)
SORTS = {"top": ("-vote_count", "-pk"), "new": ("-created_at", "-pk")}
PAGE = 30


def with_demand(rows: QuerySet[Suggestion]) -> QuerySet[Suggestion]:
    return rows.annotate(demand=Count("links__contact", distinct=True))


def public_suggestions(
    *, account_id: int, sort: str = "top", status: str = "", query: str = ""
) -> QuerySet[Suggestion]:
    rows = Suggestion.objects.filter(account_id=account_id, hidden=False).exclude(
        status=Status.DUPLICATE
    )
    if status in Status.values:
        rows = rows.filter(status=status)
    if query:
        rows = rows.filter(Q(title__icontains=query[:100]) | Q(body__icontains=query[:100]))
    return with_demand(rows).order_by(*SORTS.get(sort, SORTS["top"]))


@dataclass(frozen=True)
class Column:
    status: str
    label: str
    items: list[Suggestion]


def roadmap(*, account_id: int, per_column: int = 50) -> list[Column]:
    base = with_demand(
        Suggestion.objects.filter(account_id=account_id, hidden=False, status__in=ROADMAP_COLUMNS)
    )
    return [
        Column(
            status=status,
            label=str(Status(status).label),
            items=list(base.filter(status=status).order_by("-vote_count", "-pk")[:per_column]),
        )
        for status in ROADMAP_COLUMNS
    ]


def public_suggestion(*, account_id: int, suggestion_id: int) -> Suggestion:
    found = (
        with_demand(Suggestion.objects.filter(account_id=account_id, hidden=False))
        .select_related("merged_into")
        .filter(pk=suggestion_id)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def history(suggestion: Suggestion) -> QuerySet[StatusChange]:
    return StatusChange.objects.filter(suggestion=suggestion).order_by("created_at", "pk")


def voted_ids(contact: Contact | None) -> set[int]:
    if contact is None:
        return set()
    return set(Vote.objects.filter(contact=contact).values_list("suggestion_id", flat=True))


def agent_suggestions(*, user: User, status: str = "", query: str = "") -> QuerySet[Suggestion]:
    rows = Suggestion.objects.filter(account_id=user.account_pk)
    if status in Status.values:
        rows = rows.filter(status=status)
    if query:
        rows = rows.filter(title__icontains=query[:100])
    return with_demand(rows).order_by("-vote_count", "-pk")


def agent_suggestion(*, user: User, suggestion_id: int) -> Suggestion:
    found = with_demand(Suggestion.objects.filter(account_id=user.account_pk)).filter(
        pk=suggestion_id
    )
    row = found.select_related("merged_into", "author").first()
    if row is None:
        raise NotFound()
    return row


def links(*, user: User, suggestion: Suggestion) -> QuerySet[DemandLink]:
    return (
        DemandLink.objects.filter(suggestion=suggestion, account_id=user.account_pk)
        .select_related("conversation", "contact", "linked_by")
        .order_by("-created_at")
    )


def conversation_suggestions(*, user: User, conversation_id: int) -> QuerySet[Suggestion]:
    """What this conversation was linked to (for the console's conversation panel)."""
    return Suggestion.objects.filter(
        account_id=user.account_pk, links__conversation_id=conversation_id
    ).distinct()
