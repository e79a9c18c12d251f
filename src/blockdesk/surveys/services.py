"""CSAT: the account's survey settings, offers scheduled after a resolution (by the event
consumer), their sending through the conversation's channel, an agent's skip or manual
send, and the customer's answer with what a low rating does.

An offer is sent as a system message in the conversation: each channel delivers it as it
delivers any reply (the widget shows a rating card, the email channel mails it with the
customer's anti-phishing code, a follow-up address gets it in the reply email). The message
carries a signed link to the public rating page for channels that cannot show a card."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from blockdesk.conversations import selectors as conversation_selectors
from blockdesk.conversations import services as conversation_services
from blockdesk.conversations.models import Conversation
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.safety.fields import redact_free_text
from blockdesk.surveys import tokens
from blockdesk.surveys.event_types import LOW_RATING
from blockdesk.surveys.models import CsatOffer, CsatResponse, SurveySettings

logger = logging.getLogger(__name__)

Status = CsatOffer.Status
LOW_TAG = "csat-low"
MAX_COMMENT = 2000
SETTINGS_FIELDS = (
    "csat_enabled",
    "csat_delay_minutes",
    "csat_scale",
    "low_rating_threshold",
    "low_rating_action",
    "nps_enabled",
    "nps_interval_days",
    "nps_active_days",
    "followup_enabled",
    "followup_days",
    "followup_tags",
    "followup_intents",
    "followup_message",
    "publish_figures",
)


def settings_for(account_id: int) -> SurveySettings:
    """The account's settings; the defaults (saved) on first use."""
    found = SurveySettings.objects.filter(account_id=account_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return SurveySettings.objects.create(account_id=account_id)
    except IntegrityError:  # created meanwhile by another request
        return SurveySettings.objects.get(account_id=account_id)


def check_admin(user: User) -> None:
    if not user.is_account_admin:
        raise Forbidden()


def do_update_settings(*, actor: User, values: dict[str, object]) -> SurveySettings:
    check_admin(actor)
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], _("Unknown setting."))
    with transaction.atomic():
        row = settings_for(actor.account_pk)
        row = SurveySettings.objects.select_for_update().get(pk=row.pk)
        for name, value in values.items():
            if name in ("followup_tags", "followup_intents"):
                value = _clean_list(value, name)
            if name == "followup_message":
                value = redact_free_text(str(value), account_id=row.account_id)[0]
            setattr(row, name, value)
        try:
            row.full_clean(exclude=["account"])
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        row.save()
    return row


def _clean_list(value: object, field: str) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise ValidationFailed.field(field, _("A list of names."))
    cleaned = sorted({str(v).strip().lower() for v in value if str(v).strip()})
    if len(cleaned) > 50 or any(len(v) > 100 for v in cleaned):
        raise ValidationFailed.field(field, _("At most 50 names of at most 100 characters."))
    return cleaned


# --- scheduling (the event consumer) -------------------------------------------------


def do_schedule_offer(
    *, conversation_id: int, account_id: int, resolved_at: dt.datetime, event_id: int
) -> CsatOffer | None:
    """A conversation was resolved: an automatic offer, due after the account's delay.
    None when surveys are off, the case already has a live automatic offer (skipped, sent
    or waiting), or this event was already handled."""
    config = settings_for(account_id)
    if not config.csat_enabled:
        return None
    live = CsatOffer.objects.filter(conversation_id=conversation_id, source=CsatOffer.Source.AUTO)
    if live.exclude(status=Status.CANCELLED).exists():
        return None
    if CsatOffer.objects.filter(resolve_event_id=event_id).exists():
        return None
    offer = CsatOffer(
        account_id=account_id,
        conversation_id=conversation_id,
        source=CsatOffer.Source.AUTO,
        status=Status.SCHEDULED,
        scale=config.csat_scale,
        resolve_event_id=event_id,
        due_at=resolved_at + dt.timedelta(minutes=config.csat_delay_minutes),
    )
    offer.full_clean(exclude=["account", "conversation", "by"], validate_constraints=False)
    offer.save()
    return offer


def do_cancel_scheduled(*, conversation_id: int) -> int:
    """The case was reopened before its offer went out: no rating of an open case."""
    return CsatOffer.objects.filter(
        conversation_id=conversation_id, status=Status.SCHEDULED
    ).update(status=Status.CANCELLED, due_at=None)


# --- sending ---------------------------------------------------------------------------


def rating_url(offer: CsatOffer, *, score: int | None = None) -> str:
    token = tokens.csat_token(offer_id=offer.pk, conversation_id=offer.conversation_id)
    url = settings.PUBLIC_URL.rstrip("/") + reverse("surveys_public:rate", args=[token])
    return f"{url}?score={score}" if score else url


def _offer_text(offer: CsatOffer, conversation: Conversation) -> str:
    language = conversation.contact.locale or settings.LANGUAGE_CODE
    with translation.override(language):
        return _("How did we do with case #%(number)s? Rate our help in one click: %(url)s") % {
            "number": conversation.display_id,
            "url": rating_url(offer),
        }


def _send(offer: CsatOffer, conversation: Conversation, now: dt.datetime) -> CsatOffer:
    """Inside the caller's transaction, on an offer it claimed."""
    message = conversation_services.do_send_system_message(
        conversation=conversation,
        content=_offer_text(offer, conversation),
        # The widget draws a rating card from this (only "public" reaches the customer).
        metadata={"public": {"csat": {"offer_id": offer.pk, "scale": offer.scale}}},
    )
    offer.status = Status.SENT
    offer.sent_at = now
    offer.due_at = None
    offer.message_id = message.pk
    offer.save(update_fields=["status", "sent_at", "due_at", "message_id"])
    data: dict[str, object] = {"offer_id": offer.pk, "source": offer.source}
    if offer.by_id:
        data["agent_id"] = offer.by_id
    conversation_services.do_record_event(conversation=conversation, kind="csat_offered", data=data)
    return offer


def do_send_due_offers(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Periodic job: sends the offers whose delay has passed. The status claim makes a
    second worker (or a second run) skip an offer already sent."""
    now = now or timezone.now()
    due = list(
        CsatOffer.objects.filter(status=Status.SCHEDULED, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for offer_id in due:
        with transaction.atomic():
            offer = (
                CsatOffer.objects.select_for_update()
                .filter(pk=offer_id, status=Status.SCHEDULED)
                .first()
            )
            if offer is None:
                continue
            conversation = Conversation.objects.select_related("contact", "inbox").get(
                pk=offer.conversation_id
            )
            if conversation.status != Conversation.Status.RESOLVED:
                offer.status, offer.due_at = Status.CANCELLED, None
                offer.save(update_fields=["status", "due_at"])
                continue
            _send(offer, conversation, now)
            sent += 1
    return sent


# --- agents' actions -------------------------------------------------------------------


def check_agent_conversation(*, user: User, conversation_id: int) -> Conversation:
    """The case, if this agent may see it (404 otherwise: its existence does not leak)."""
    conversation = (
        conversation_selectors.visible_conversations(user=user)
        .select_related("contact", "inbox")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound()
    return conversation


def do_skip_survey(*, actor: User | None, conversation: Conversation) -> CsatOffer:
    """No automatic survey for this case: the waiting offer, or the next one, is skipped.
    The caller authorised the case (check_agent_conversation, or the API's scoping)."""
    with transaction.atomic():
        offer = (
            CsatOffer.objects.select_for_update()
            .filter(conversation=conversation, source=CsatOffer.Source.AUTO)
            .exclude(status=Status.CANCELLED)
            .first()
        )
        if offer is not None and offer.status == Status.SENT:
            raise Conflict(_("The survey was already sent."))
        if offer is not None and offer.status == Status.SKIPPED:
            return offer
        if offer is None:
            config = settings_for(conversation.account_id)
            offer = CsatOffer(
                account_id=conversation.account_id,
                conversation=conversation,
                source=CsatOffer.Source.AUTO,
                scale=config.csat_scale,
            )
        offer.status, offer.due_at, offer.by = Status.SKIPPED, None, actor
        offer.save()
        data: dict[str, object] = {"offer_id": offer.pk}
        if actor is not None:
            data["agent_id"] = actor.pk
        conversation_services.do_record_event(
            conversation=conversation, kind="csat_skipped", data=data
        )
    return offer


def do_send_survey_now(
    *, actor: User | None, conversation: Conversation, now: dt.datetime | None = None
) -> CsatOffer:
    """An agent (or an API token) asks for a rating by hand, in any status. A waiting
    automatic offer is cancelled so the customer is not asked twice."""
    now = now or timezone.now()
    config = settings_for(conversation.account_id)
    with transaction.atomic():
        CsatOffer.objects.filter(conversation=conversation, status=Status.SCHEDULED).update(
            status=Status.CANCELLED, due_at=None
        )
        unanswered = CsatOffer.objects.filter(
            conversation=conversation, status=Status.SENT, response__isnull=True
        )
        if unanswered.filter(sent_at__gte=now - dt.timedelta(minutes=1)).exists():
            raise Conflict(_("A survey was sent a moment ago."))
        offer = CsatOffer.objects.create(
            account_id=conversation.account_id,
            conversation=conversation,
            source=CsatOffer.Source.MANUAL,
            status=Status.SCHEDULED,
            scale=config.csat_scale,
            due_at=now,
            by=actor,
        )
        return _send(offer, conversation, now)


# --- answers ---------------------------------------------------------------------------


def check_score(score: object, *, scale: str) -> int:
    try:
        value = int(str(score))
    except (TypeError, ValueError):
        value = 0
    allowed = (1, 5) if scale == SurveySettings.Scale.THUMBS else (1, 2, 3, 4, 5)
    if value not in allowed:
        raise ValidationFailed.field("score", _("Choose a rating."))
    return value


def offer_from_token(token: str) -> CsatOffer:
    offer_id, conversation_id = tokens.read_csat_token(token)
    offer = (
        CsatOffer.objects.select_related("conversation__contact")
        .filter(pk=offer_id, conversation_id=conversation_id, status=Status.SENT)
        .first()
    )
    if offer is None:
        raise NotFound()
    return offer


def check_not_own_agent(*, offer: CsatOffer, rater: object) -> None:
    """The rating link is in the case's messages, which its agents read: one of the
    account's agents, signed in, may not answer in the customer's place."""
    if isinstance(rater, User) and rater.account_id == offer.account_id:
        raise Forbidden(_("Agents cannot rate their own account's conversations."))


def do_rate(
    *, offer: CsatOffer, score: object, comment: str = "", via: str, rater: object = None
) -> CsatResponse:
    """Records the customer's answer. A second answer to the same offer is refused (409):
    the link is single-use, so a replayed or forwarded link cannot overwrite the rating.
    `rater`: who is signed in on the rating page (an anonymous user for a customer)."""
    check_not_own_agent(offer=offer, rater=rater)
    value = check_score(score, scale=offer.scale)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed.field("comment", _("At most 2000 characters."))
    comment = redact_free_text(comment, account_id=offer.account_id)[0]
    try:
        with transaction.atomic():
            if CsatResponse.objects.filter(offer=offer).exists():
                raise Conflict(_("This survey was already answered. Thank you!"))
            response = CsatResponse.objects.create(
                offer=offer,
                account_id=offer.account_id,
                conversation_id=offer.conversation_id,
                score=value,
                comment=comment,
                via=via,
            )
            conversation = Conversation.objects.get(pk=offer.conversation_id)
            conversation_services.do_record_event(
                conversation=conversation,
                kind="csat_rated",
                data={"score": value, "scale": offer.scale, "comment": bool(comment)},
            )
            _on_low_rating(conversation, value)
    except IntegrityError as exc:  # two answers at once: the constraint keeps the first
        raise Conflict(_("This survey was already answered. Thank you!")) from exc
    return response


def _on_low_rating(conversation: Conversation, score: int) -> None:
    config = settings_for(conversation.account_id)
    if score > config.low_rating_threshold or config.low_rating_action == "nothing":
        return
    action = config.low_rating_action
    conversation_services.do_record_event(
        conversation=conversation, kind="csat_low", data={"score": score, "action": action}
    )
    # The case's team leads are alerted from this event (notifications/lead_alerts.py).
    emit(
        account_id=conversation.account_id,
        name=LOW_RATING,
        payload={
            "conversation_id": conversation.pk,
            "score": score,
            "action": str(action),
            "team_id": conversation.team_id,
        },
        actor=Actor.contact(conversation.contact_id),
        subject=Subject("conversation", conversation.pk),
    )
    if action == SurveySettings.LowAction.REOPEN:
        if conversation.status == Conversation.Status.RESOLVED:
            conversation_services.do_change_status(
                actor=None, conversation=conversation, status=Conversation.Status.OPEN
            )
    else:
        names = [t.name for t in conversation.tags.all()]
        if LOW_TAG not in names:
            conversation_services.do_set_tags(
                actor=None, conversation=conversation, names=[*names, LOW_TAG]
            )
