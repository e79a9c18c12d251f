"""Suggestions: posting (secret guard, rate limits), voting (idempotent, budgeted, one
address's sock puppets limited), the roadmap statuses with voters told by email, merging
duplicates without double counting, and the conversations agents link (demand).

Votes are idempotent by construction: (suggestion, contact) is unique, the count is kept
under the suggestion's row lock, so a replayed request, a second tab or two requests at
once leave one vote."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.conversations import selectors as conversation_selectors
from blockdesk.conversations.models import Contact, Conversation
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.feedback.models import (
    DemandLink,
    FeedbackSettings,
    StatusChange,
    Suggestion,
    Vote,
    VoterNotice,
)
from blockdesk.feedback.tasks import notify_voters
from blockdesk.safety.fields import redact_free_text

Status = Suggestion.Status
# Votes on these count against nobody's budget and no new vote is taken.
CLOSED = frozenset({Status.DONE, Status.DECLINED, Status.DUPLICATE})
MAX_TITLE = 160
MAX_BODY = 5000
MAX_NOTE = 2000
SETTINGS_FIELDS = ("enabled", "vote_budget", "votes_per_address", "notify_voters")

# Extra votes by the customer's standing. The forum (trust levels) registers one from its
# ready(); each provider returns a bonus or None. Kept here so this app imports no forum.
BudgetProvider = Callable[[Contact], int | None]
_budget_providers: list[BudgetProvider] = []


def register_budget_provider(provider: BudgetProvider) -> None:
    if provider not in _budget_providers:
        _budget_providers.append(provider)


def settings_for(account_id: int) -> FeedbackSettings:
    found = FeedbackSettings.objects.filter(account_id=account_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return FeedbackSettings.objects.create(account_id=account_id)
    except IntegrityError:
        return FeedbackSettings.objects.get(account_id=account_id)


def do_update_settings(*, actor: User, values: dict[str, object]) -> FeedbackSettings:
    if not actor.is_account_admin:
        raise Forbidden()
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], _("Unknown setting."))
    with transaction.atomic():
        row = settings_for(actor.account_pk)
        row = FeedbackSettings.objects.select_for_update().get(pk=row.pk)
        for name, value in values.items():
            setattr(row, name, value)
        try:
            row.full_clean(exclude=["account"])
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        row.save()
    return row


def vote_budget(contact: Contact) -> int:
    base = settings_for(contact.account_id).vote_budget
    return base + sum(bonus for p in _budget_providers if (bonus := p(contact)))


def live_votes(contact: Contact) -> int:
    return Vote.objects.filter(contact=contact).exclude(suggestion__status__in=CLOSED).count()


def address_hash(address: str) -> str:
    key = (settings.SECRET_KEY + ":feedback-address").encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def _clean_text(value: str, *, field: str, limit: int, account_id: int, required: bool) -> str:
    text = (value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed.field(field, _("This field is required."))
    if len(text) > limit:
        raise ValidationFailed.field(field, _("At most %(limit)s characters.") % {"limit": limit})
    # A seed phrase pasted into an idea is never stored, let alone published.
    return redact_free_text(text, account_id=account_id)[0]


# --- posting ---------------------------------------------------------------------------


def do_post_suggestion(
    *,
    account_id: int,
    title: str,
    body: str = "",
    author: Contact | None = None,
    by: User | None = None,
    address: str = "",
) -> Suggestion:
    """A customer (author) or an agent (by) posts an idea. Customers are rate-limited per
    profile and per address, so one script cannot fill the page."""
    if author is not None:
        if author.account_id != account_id:
            raise NotFound()
        check_rate_limit(
            scope="feedback-post",
            key=str(author.pk),
            limit=settings.FEEDBACK_POSTS_PER_HOUR,
            window=3600,
        )
        if address:
            check_rate_limit(
                scope="feedback-post-ip",
                key=address_hash(address),
                limit=settings.FEEDBACK_POSTS_PER_HOUR * 3,
                window=3600,
            )
    elif by is None or by.account_id != account_id:
        raise Forbidden()
    clean_title = _clean_text(
        title, field="title", limit=MAX_TITLE, account_id=account_id, required=True
    )
    clean_body = _clean_text(
        body, field="body", limit=MAX_BODY, account_id=account_id, required=False
    )
    with transaction.atomic():
        suggestion = Suggestion.objects.create(
            account_id=account_id, author=author, title=clean_title, body=clean_body
        )
        emit(
            account_id=account_id,
            name="suggestion.created",
            payload={
                "suggestion_id": suggestion.pk,
                "title": clean_title,
                "author_contact_id": author.pk if author else None,
            },
            actor=Actor.contact(author.pk) if author else Actor.agent(by.pk),  # type: ignore[union-attr]
            subject=Subject("suggestion", suggestion.pk),
        )
    return suggestion


# --- voting ----------------------------------------------------------------------------


def do_vote(*, suggestion_id: int, contact: Contact, address: str = "") -> tuple[Vote, bool]:
    """(the vote, whether it is new). Voting twice is not an error: the same vote."""
    check_rate_limit(
        scope="feedback-vote",
        key=str(contact.pk),
        limit=settings.FEEDBACK_VOTES_PER_MINUTE,
        window=60,
    )
    hashed = address_hash(address) if address else ""
    config = settings_for(contact.account_id)
    try:
        with transaction.atomic():
            suggestion = (
                Suggestion.objects.select_for_update()
                .filter(pk=suggestion_id, account_id=contact.account_id, hidden=False)
                .first()
            )
            if suggestion is None:
                raise NotFound()
            existing = Vote.objects.filter(suggestion=suggestion, contact=contact).first()
            if existing is not None:
                return existing, False
            if suggestion.status in CLOSED:
                raise Conflict(_("This suggestion no longer takes votes."))
            if live_votes(contact) >= vote_budget(contact):
                raise Conflict(
                    _("You have used all your votes. Take one back from another suggestion.")
                )
            if hashed:
                same_address = Vote.objects.filter(suggestion=suggestion, address_hash=hashed)
                if same_address.count() >= config.votes_per_address:
                    raise Forbidden(_("Too many votes for this suggestion from your network."))
            vote = Vote.objects.create(
                account_id=contact.account_id,
                suggestion=suggestion,
                contact=contact,
                address_hash=hashed,
            )
            Suggestion.objects.filter(pk=suggestion.pk).update(vote_count=F("vote_count") + 1)
            return vote, True
    except IntegrityError:
        # Two requests at once: the other one's vote stands, and it is this one's too.
        existing = Vote.objects.filter(suggestion_id=suggestion_id, contact=contact).first()
        if existing is None:
            raise
        return existing, False


def do_unvote(*, suggestion_id: int, contact: Contact) -> bool:
    with transaction.atomic():
        suggestion = (
            Suggestion.objects.select_for_update()
            .filter(pk=suggestion_id, account_id=contact.account_id)
            .first()
        )
        if suggestion is None:
            raise NotFound()
        deleted, _rows = Vote.objects.filter(suggestion=suggestion, contact=contact).delete()
        if deleted:
            Suggestion.objects.filter(pk=suggestion.pk).update(vote_count=F("vote_count") - 1)
        return bool(deleted)


# --- agents: status, merge, links ------------------------------------------------------


def get_for_agent(*, user: User, suggestion_id: int) -> Suggestion:
    found = Suggestion.objects.filter(pk=suggestion_id, account_id=user.account_pk).first()
    if found is None:
        raise NotFound()
    return found


def do_change_status(
    *, actor: User, suggestion_id: int, status: str, note: str = ""
) -> StatusChange | None:
    """Moves a suggestion on the roadmap; None if it already had that status. Voters are
    emailed by a background task after the commit."""
    if status not in Status.values:
        raise ValidationFailed.field("status", _("Choose a status."))
    if status == Status.DUPLICATE:
        raise ValidationFailed.field("status", _("Merge it into the original instead."))
    clean_note = _clean_text(
        note, field="note", limit=MAX_NOTE, account_id=actor.account_pk, required=False
    )
    with transaction.atomic():
        suggestion = (
            Suggestion.objects.select_for_update()
            .filter(pk=suggestion_id, account_id=actor.account_pk)
            .first()
        )
        if suggestion is None:
            raise NotFound()
        if suggestion.status == Status.DUPLICATE:
            raise Conflict(_("A merged duplicate keeps its status."))
        if suggestion.status == status and not clean_note:
            return None
        return _record_change(suggestion, status=status, note=clean_note, actor=actor)


def _record_change(suggestion: Suggestion, *, status: str, note: str, actor: User) -> StatusChange:
    old = suggestion.status
    suggestion.status = status
    suggestion.status_note = note or suggestion.status_note
    suggestion.save(update_fields=["status", "status_note", "merged_into", "updated_at"])
    change = StatusChange.objects.create(
        account_id=suggestion.account_id,
        suggestion=suggestion,
        old=old,
        new=status,
        note=note,
        by=actor,
    )
    voter_ids = list(
        Vote.objects.filter(suggestion=suggestion).values_list("contact_id", flat=True)
    )
    emit(
        account_id=suggestion.account_id,
        name="suggestion.status_changed",
        payload={
            "suggestion_id": suggestion.pk,
            "old": old,
            "new": status,
            "voters": len(voter_ids),
        },
        actor=Actor.agent(actor.pk),
        subject=Subject("suggestion", suggestion.pk),
    )
    if settings_for(suggestion.account_id).notify_voters and voter_ids:
        # Who is told is fixed now, in the change's transaction: a merge moves the votes
        # right after, and the task must still reach the duplicate's voters.
        VoterNotice.objects.bulk_create(
            [VoterNotice(change=change, contact_id=cid) for cid in voter_ids],
            ignore_conflicts=True,
        )
        transaction.on_commit(lambda: notify_voters.enqueue(change.pk))
    return change


def do_merge(*, actor: User, duplicate_id: int, into_id: int) -> Suggestion:
    """Merges a duplicate into the original: each vote moves unless its voter already
    voted for the original (one vote each, never two), links move the same way, and
    anything merged into the duplicate earlier now points at the original."""
    if duplicate_id == into_id:
        raise ValidationFailed.field("into", _("A suggestion cannot be merged into itself."))
    with transaction.atomic():
        # Both rows locked in id order: two merges at once cannot deadlock.
        rows = {
            s.pk: s
            for s in Suggestion.objects.select_for_update()
            .filter(pk__in=[duplicate_id, into_id], account_id=actor.account_pk)
            .order_by("pk")
        }
        if len(rows) != 2:
            raise NotFound()
        duplicate, into = rows[duplicate_id], rows[into_id]
        if into.status == Status.DUPLICATE:
            raise Conflict(_("Merge into the original, not into another duplicate."))
        if duplicate.status == Status.DUPLICATE:
            raise Conflict(_("This suggestion is already merged."))
        duplicate.merged_into = into
        _record_change(duplicate, status=Status.DUPLICATE, note="", actor=actor)
        already = Vote.objects.filter(suggestion=into).values("contact_id")
        moved_votes = (
            Vote.objects.filter(suggestion=duplicate)
            .exclude(contact_id__in=already)
            .update(suggestion=into)
        )
        Vote.objects.filter(suggestion=duplicate).delete()
        linked = DemandLink.objects.filter(suggestion=into).values("conversation_id")
        moved_links = (
            DemandLink.objects.filter(suggestion=duplicate)
            .exclude(conversation_id__in=linked)
            .update(suggestion=into)
        )
        DemandLink.objects.filter(suggestion=duplicate).delete()
        Suggestion.objects.filter(merged_into=duplicate).update(merged_into=into)
        # Recounted from the rows, not added up: a count can never drift by a merge.
        into.vote_count = Vote.objects.filter(suggestion=into).count()
        into.save(update_fields=["vote_count", "updated_at"])
        Suggestion.objects.filter(pk=duplicate.pk).update(vote_count=0)
        emit(
            account_id=into.account_id,
            name="suggestion.merged",
            payload={
                "suggestion_id": duplicate.pk,
                "into_id": into.pk,
                "moved_votes": moved_votes,
                "moved_links": moved_links,
            },
            actor=Actor.agent(actor.pk),
            subject=Subject("suggestion", into.pk),
        )
    return into


def demand(suggestion: Suggestion) -> int:
    """Distinct customers who asked (linked conversations)."""
    return DemandLink.objects.filter(suggestion=suggestion).values("contact_id").distinct().count()


def do_link_conversation(
    *, actor: User, suggestion_id: int, conversation_id: int
) -> tuple[DemandLink, bool]:
    conversation = (
        conversation_selectors.visible_conversations(user=actor).filter(pk=conversation_id).first()
    )
    if conversation is None:
        raise NotFound()
    return do_link_checked(actor=actor, suggestion_id=suggestion_id, conversation=conversation)


def do_link_checked(
    *, actor: User | None, suggestion_id: int, conversation: Conversation
) -> tuple[DemandLink, bool]:
    """Links a conversation the caller has already authorised (an agent's visible case, or
    an API token's account scoping)."""
    with transaction.atomic():
        suggestion = (
            Suggestion.objects.select_for_update()
            .filter(pk=suggestion_id, account_id=conversation.account_id)
            .first()
        )
        if suggestion is None:
            raise NotFound()
        if suggestion.status == Status.DUPLICATE and suggestion.merged_into_id:
            suggestion = Suggestion.objects.select_for_update().get(pk=suggestion.merged_into_id)
        existing = DemandLink.objects.filter(suggestion=suggestion, conversation=conversation)
        found = existing.first()
        if found is not None:
            return found, False
        link = DemandLink.objects.create(
            account_id=conversation.account_id,
            suggestion=suggestion,
            conversation=conversation,
            contact_id=conversation.contact_id,
            linked_by=actor,
        )
        emit(
            account_id=conversation.account_id,
            name="suggestion.conversation_linked",
            payload={
                "suggestion_id": suggestion.pk,
                "conversation_id": conversation.pk,
                "customers": demand(suggestion),
            },
            actor=Actor.agent(actor.pk) if actor else Actor.system(),
            subject=Subject("suggestion", suggestion.pk),
        )
        return link, True


def conversation_pk(*, actor: User, display_id: int) -> int:
    """The console names cases by their number (#42); the links keep the row id."""
    found = (
        conversation_selectors.visible_conversations(user=actor)
        .filter(display_id=display_id)
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise NotFound()
    return int(found)


def do_unlink_conversation(*, actor: User, suggestion_id: int, conversation_id: int) -> bool:
    visible = conversation_selectors.visible_conversations(user=actor).filter(pk=conversation_id)
    if not visible.exists():
        raise NotFound()
    deleted, _rows = DemandLink.objects.filter(
        suggestion_id=suggestion_id,
        suggestion__account_id=actor.account_pk,
        conversation_id=conversation_id,
    ).delete()
    return bool(deleted)


def do_set_hidden(*, actor: User, suggestion_id: int, hidden: bool) -> None:
    """Moderation: a spam or abusive suggestion leaves the public page."""
    updated = Suggestion.objects.filter(pk=suggestion_id, account_id=actor.account_pk).update(
        hidden=hidden
    )
    if not updated:
        raise NotFound()
