"""NPS: a daily pass per account emails the survey (0–10 and why) to active customers —
contacts with an email address and a conversation in the last ``nps_active_days`` — at most
once per ``nps_interval_days`` per contact. The answer is given on a public page reached by
a signed link, once per survey."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from blockdesk.common.errors import Conflict, NotFound, ValidationFailed
from blockdesk.conversations.models import Contact, Conversation
from blockdesk.safety.fields import redact_free_text
from blockdesk.surveys import tokens
from blockdesk.surveys.models import NpsResponse, NpsSurvey, SurveySettings
from blockdesk.trust.selectors import anti_phishing_code_for

logger = logging.getLogger(__name__)

RUN_EVERY = dt.timedelta(days=1)
MAX_PER_PASS = 500  # per account and pass; the rest go in the next pass
MAX_REASON = 2000


def classify(score: int) -> str:
    """promoter (9–10), passive (7–8) or detractor (0–6)."""
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"


def nps_figure(promoters: int, passives: int, detractors: int) -> int | None:
    """% promoters − % detractors, rounded; None without answers."""
    total = promoters + passives + detractors
    if not total:
        return None
    return round(100 * (promoters - detractors) / total)


def active_contacts(
    *, account_id: int, now: dt.datetime, active_days: int, interval_days: int
) -> list[Contact]:
    recent_case = Conversation.objects.filter(
        contact=OuterRef("pk"), created_at__gte=now - dt.timedelta(days=active_days)
    )
    recently_asked = NpsSurvey.objects.filter(
        contact=OuterRef("pk"), sent_at__gt=now - dt.timedelta(days=interval_days)
    )
    return list(
        Contact.objects.filter(account_id=account_id)
        .exclude(email="")
        .filter(Exists(recent_case))
        .exclude(Exists(recently_asked))
        .order_by("pk")[:MAX_PER_PASS]
    )


def survey_url(survey: NpsSurvey, *, score: int | None = None) -> str:
    token = tokens.nps_token(survey_id=survey.pk, contact_id=survey.contact_id)
    url = settings.PUBLIC_URL.rstrip("/") + reverse("surveys_public:nps", args=[token])
    return f"{url}?score={score}" if score is not None else url


def nps_email(*, survey: NpsSurvey, contact: Contact, account_name: str) -> EmailMultiAlternatives:
    language = contact.locale or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "account_name": account_name,
            "code": anti_phishing_code_for(contact),
            "scores": [(n, survey_url(survey, score=n)) for n in range(11)],
            "url": survey_url(survey),
            "language": language,
        }
        subject = _("How likely are you to recommend %(name)s?") % {"name": account_name}
        text = render_to_string("surveys/nps_email.txt", context)
        html = render_to_string("surveys/nps_email.html", context)
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
        headers={
            "Message-ID": f"<blockdesk.nps.{survey.pk}@{domain}>",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def do_run_nps(*, now: dt.datetime | None = None) -> int:
    """Periodic job: accounts whose daily pass is due send their surveys. Returns how many
    were sent. A failed send is recorded (status failed) and not retried: the contact is
    asked again after the interval."""
    now = now or timezone.now()
    due = SurveySettings.objects.filter(nps_enabled=True).exclude(nps_next_run_at__gt=now)
    sent = 0
    for config in due.select_related("account"):
        claimed = (
            SurveySettings.objects.filter(pk=config.pk)
            .exclude(nps_next_run_at__gt=now)
            .update(nps_next_run_at=now + RUN_EVERY)
        )
        if not claimed:  # another node took this pass
            continue
        for contact in active_contacts(
            account_id=config.account_id,
            now=now,
            active_days=config.nps_active_days,
            interval_days=config.nps_interval_days,
        ):
            survey = NpsSurvey.objects.create(
                account_id=config.account_id, contact=contact, sent_at=now
            )
            try:
                nps_email(survey=survey, contact=contact, account_name=config.account.name).send(
                    fail_silently=False
                )
            except (smtplib.SMTPException, OSError) as exc:
                NpsSurvey.objects.filter(pk=survey.pk).update(status=NpsSurvey.Status.FAILED)
                logger.warning("NPS survey %s not sent: %s", survey.pk, type(exc).__name__)
                continue
            sent += 1
    return sent


def survey_from_token(token: str) -> NpsSurvey:
    survey_id, contact_id = tokens.read_nps_token(token)
    survey = (
        NpsSurvey.objects.select_related("contact")
        .filter(pk=survey_id, contact_id=contact_id, status=NpsSurvey.Status.SENT)
        .first()
    )
    if survey is None:
        raise NotFound()
    return survey


def check_nps_score(score: object) -> int:
    try:
        value = int(str(score))
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= 10:
        raise ValidationFailed.field("score", _("Choose a score from 0 to 10."))
    return value


def do_answer_nps(*, survey: NpsSurvey, score: object, reason: str = "") -> NpsResponse:
    """One answer per survey; a second is refused (409), like CSAT."""
    value = check_nps_score(score)
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationFailed.field("reason", _("At most 2000 characters."))
    reason = redact_free_text(reason, account_id=survey.account_id)[0]
    try:
        with transaction.atomic():
            if NpsResponse.objects.filter(survey=survey).exists():
                raise Conflict(_("This survey was already answered. Thank you!"))
            return NpsResponse.objects.create(
                survey=survey, account_id=survey.account_id, score=value, reason=reason
            )
    except IntegrityError as exc:
        raise Conflict(_("This survey was already answered. Thank you!")) from exc
