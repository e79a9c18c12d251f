"""Writes of agent quality: `check_*` validates and authorises, `do_*` writes in one
transaction. Only leads (account administrators) review and mark model answers; what
they touch must be in a conversation they can see; another account's objects are 404."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from blockdesk.conversations import services as conversation_services
from blockdesk.conversations.models import Conversation, Message
from blockdesk.conversations.selectors import get_conversation_for_agent, visible_conversations
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.quality import selectors
from blockdesk.quality.models import (
    Criterion,
    ModelAnswer,
    Review,
    ReviewScore,
    Scale,
    Scorecard,
)
from blockdesk.quality.timeline_kinds import REVIEWED

MAX_CRITERIA = 20


@dataclass(frozen=True)
class CriterionInput:
    label: str
    weight: int = 1
    scale: str = Scale.FIVE
    description: str = ""


def check_lead(*, user: User) -> None:
    if not selectors.is_lead(user):
        raise Forbidden(_("Only leads can review conversations."))


def _check_leads_agent(*, user: User, agent_id: int | None) -> None:
    allowed = selectors.reviewable_agent_ids(user)
    if allowed is not None and agent_id not in allowed:
        raise Forbidden(_("You can review only the agents of the teams you lead."))


def check_scorecard_admin(*, user: User) -> None:
    """Scorecards are the account's: administrators keep them, team leads use them."""
    if not user.is_account_admin:
        raise Forbidden(_("Only administrators can change scorecards."))


def _validated(obj: Scorecard | Criterion | Review | ModelAnswer, *, unique: bool = True) -> None:
    # unique=False: the uniqueness is checked by the database (and raced); full_clean's
    # copy of it would answer 422 where the race answers 409.
    try:
        obj.full_clean(validate_unique=unique, validate_constraints=unique)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc


def do_create_scorecard(
    *, user: User, name: str, criteria: Sequence[CriterionInput], active: bool = True
) -> Scorecard:
    check_scorecard_admin(user=user)
    if not criteria:
        raise ValidationFailed.field("criteria", _("Add at least one criterion."))
    if len(criteria) > MAX_CRITERIA:
        raise ValidationFailed.field("criteria", _("Too many criteria."))
    labels = [c.label.strip().lower() for c in criteria]
    if len(set(labels)) != len(labels):
        raise ValidationFailed.field("criteria", _("Each criterion needs its own name."))
    card = Scorecard(account_id=user.account_pk, name=name.strip(), active=active)
    _validated(card)
    if Scorecard.objects.filter(account_id=user.account_pk, name=card.name).exists():
        raise ValidationFailed.field("name", _("A scorecard with this name exists."))
    with transaction.atomic():
        card.save()
        for position, c in enumerate(criteria):
            row = Criterion(
                scorecard=card,
                label=c.label.strip(),
                description=c.description.strip(),
                weight=c.weight,
                scale=c.scale,
                position=position,
            )
            _validated(row)
            row.save()
    return card


def do_set_scorecard_active(*, user: User, scorecard_id: int, active: bool) -> Scorecard:
    check_scorecard_admin(user=user)
    card = selectors.get_scorecard(user=user, scorecard_id=scorecard_id)
    card.active = active
    card.save(update_fields=["active"])
    return card


def _normalised(scale: str, value: int) -> Decimal:
    """A score as a share of the criterion's best: 1..5 maps to 0..1, pass/fail to 0 or 1."""
    if scale == Scale.PASS_FAIL:
        return Decimal(value)
    return Decimal(value - 1) / Decimal(4)


def compute_total(scored: Sequence[tuple[Criterion, int]]) -> Decimal:
    """The weighted average of the normalised scores, 0 to 100, one decimal."""
    weights = sum(c.weight for c, _v in scored)
    if not weights:
        return Decimal("0.0")
    points = sum(c.weight * _normalised(c.scale, v) for c, v in scored)
    return (Decimal(100) * points / weights).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def handling_agent(conversation: Conversation) -> User | None:
    """The assignee, else the agent who last replied: whose work the review is about."""
    if conversation.assignee_id is not None:
        return conversation.assignee
    last = (
        Message.objects.filter(
            conversation=conversation,
            sender_type=Message.SenderType.AGENT,
            sender_user__isnull=False,
        )
        .select_related("sender_user")
        .order_by("-id")
        .first()
    )
    return last.sender_user if last is not None else None


def _in_scale(scale: str, value: int) -> bool:
    return value in (0, 1) if scale == Scale.PASS_FAIL else 1 <= value <= 5


@dataclass(frozen=True)
class CheckedReview:
    conversation: Conversation
    scorecard: Scorecard
    agent: User
    scored: list[tuple[Criterion, int]]


def check_review(
    *, reviewer: User, display_id: int, scorecard_id: int, values: Mapping[int, int]
) -> CheckedReview:
    check_lead(user=reviewer)
    conversation = get_conversation_for_agent(user=reviewer, display_id=display_id)
    card = selectors.get_scorecard(user=reviewer, scorecard_id=scorecard_id)
    if not card.active:
        raise ValidationFailed.field("scorecard", _("This scorecard is not active."))
    agent = handling_agent(conversation)
    if agent is None:
        raise ValidationFailed(_("No agent handled this conversation: there is nothing to review."))
    _check_leads_agent(user=reviewer, agent_id=agent.pk)
    scored: list[tuple[Criterion, int]] = []
    errors: dict[str, list[str]] = {}
    for criterion in card.criteria.all():
        value = values.get(criterion.pk)
        if value is None or not _in_scale(criterion.scale, value):
            errors[f"criterion_{criterion.pk}"] = [_("Give a score on this criterion’s scale.")]
            continue
        scored.append((criterion, value))
    if errors:
        raise ValidationFailed(_("Score every criterion."), fields=errors)
    if Review.objects.filter(conversation=conversation, reviewer=reviewer, scorecard=card).exists():
        raise Conflict(_("You already reviewed this conversation with this scorecard."))
    return CheckedReview(conversation=conversation, scorecard=card, agent=agent, scored=scored)


def do_create_review(
    *,
    reviewer: User,
    display_id: int,
    scorecard_id: int,
    values: Mapping[int, int],
    comment: str = "",
) -> Review:
    checked = check_review(
        reviewer=reviewer, display_id=display_id, scorecard_id=scorecard_id, values=values
    )
    review = Review(
        account_id=reviewer.account_pk,
        conversation=checked.conversation,
        scorecard=checked.scorecard,
        reviewer=reviewer,
        agent=checked.agent,
        comment=comment.strip(),
        total=compute_total(checked.scored),
    )
    _validated(review, unique=False)
    try:
        with transaction.atomic():
            review.save()
            ReviewScore.objects.bulk_create(
                ReviewScore(review=review, criterion=c, scale=c.scale, value=v)
                for c, v in checked.scored
            )
            emit(
                account_id=review.account_id,
                name="quality.review_created",
                payload={
                    "review_id": review.pk,
                    "conversation_id": checked.conversation.pk,
                    "scorecard_id": checked.scorecard.pk,
                    "reviewer_id": reviewer.pk,
                    "agent_id": checked.agent.pk,
                    "total": float(review.total),
                },
                actor=Actor.agent(reviewer.pk),
                subject=Subject("conversation", checked.conversation.pk),
            )
            conversation_services.do_record_event(
                conversation=checked.conversation,
                kind=REVIEWED,
                data={
                    "review_id": review.pk,
                    "reviewer": reviewer.public_name,
                    "scorecard": checked.scorecard.name,
                    "total": str(review.total),
                },
            )
    except IntegrityError as exc:  # a second submit racing the first
        raise Conflict(_("You already reviewed this conversation with this scorecard.")) from exc
    return review


def _visible_agent_message(*, user: User, message_id: int) -> Message:
    message = (
        Message.objects.filter(
            pk=message_id,
            conversation__in=visible_conversations(user=user),
        )
        .select_related("conversation")
        .first()
    )
    if message is None:
        raise NotFound(_("No such message."))
    return message


def do_mark_model_answer(*, user: User, message_id: int, note: str = "") -> ModelAnswer:
    check_lead(user=user)
    message = _visible_agent_message(user=user, message_id=message_id)
    _check_leads_agent(user=user, agent_id=message.sender_user_id)
    if message.sender_type != Message.SenderType.AGENT or message.is_private:
        raise ValidationFailed(_("Only an agent’s reply to the customer can be a model answer."))
    row = ModelAnswer(
        account_id=user.account_pk, message=message, note=note.strip(), marked_by=user
    )
    _validated(row, unique=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise Conflict(_("This answer is already marked as a model.")) from exc
    return row


def do_unmark_model_answer(*, user: User, message_id: int) -> None:
    check_lead(user=user)
    message = _visible_agent_message(user=user, message_id=message_id)
    _check_leads_agent(user=user, agent_id=message.sender_user_id)
    deleted, _rows = ModelAnswer.objects.filter(
        account_id=user.account_pk, message=message
    ).delete()
    if not deleted:
        raise NotFound(_("This answer is not marked as a model."))
