"""The emails of onboarding and education, each sent by its task (tasks.py) on a row the
task claims first, so a retried task sends once: a welcome step, a session reminder."""

from __future__ import annotations

import logging
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from blockdesk.conversations.models import Contact
from blockdesk.customers.selectors import language_of
from blockdesk.education import tokens
from blockdesk.education.models import Registration, WelcomeEnrollment, WelcomeSend
from blockdesk.education.texts import pick_text
from blockdesk.trust.selectors import anti_phishing_code_for

logger = logging.getLogger(__name__)
Status = WelcomeSend.Status


def public_url(path: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + path


def _message(
    *,
    contact: Contact,
    subject: str,
    template: str,
    context: dict[str, object],
    key: str,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    language = language_of(contact) or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {**context, "code": anti_phishing_code_for(contact)}
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
        headers={
            "Message-ID": f"<blockdesk.{key}@{domain}>",
            "Auto-Submitted": "auto-generated",
            **(headers or {}),
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def unsubscribe_url(enrollment: WelcomeEnrollment) -> str:
    token = tokens.unsubscribe_token(enrollment.pk)
    return public_url(reverse("education_public:unsubscribe", args=[token]))


def _email(send: WelcomeSend) -> EmailMultiAlternatives:
    enrollment, step = send.enrollment, send.step
    contact = enrollment.contact
    language = language_of(contact) or settings.LANGUAGE_CODE
    url = unsubscribe_url(enrollment)
    guide_url = ""
    if step.guide_id and step.guide is not None and step.guide.published:
        guide_url = public_url(reverse("education_public:guide", args=[step.guide.slug]))
    return _message(
        contact=contact,
        subject=pick_text(step.subject, language)[:200],
        template="education/welcome_email",
        context={
            "body": pick_text(step.body, language),
            "unsubscribe_url": url,
            "guide_url": guide_url,
        },
        key=f"welcome.{send.pk}",
        # RFC 8058 one-click: a POST to the same link unsubscribes.
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def do_send_step(*, send_id: int) -> str:
    with transaction.atomic():
        send = (
            WelcomeSend.objects.select_for_update(of=("self",))
            .select_related("enrollment__contact", "step__guide")
            .filter(pk=send_id, status=Status.QUEUED)
            .first()
        )
        if send is None:
            return "already handled"
        if send.enrollment.unsubscribed_at or not send.enrollment.contact.email:
            send.status = Status.SKIPPED
            send.save(update_fields=["status"])
            return "skipped"
        try:
            _email(send).send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            logger.warning("welcome step %s not sent: %s", send.pk, type(exc).__name__)
            send.status = Status.FAILED
            send.save(update_fields=["status"])
            return "failed"
        send.status, send.sent_at = Status.SENT, timezone.now()
        send.save(update_fields=["status", "sent_at"])
        return "sent"


def do_send_reminder(*, registration_id: int) -> str:
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update()
            .select_related("session", "contact")
            .filter(pk=registration_id, reminded_at__isnull=True)
            .first()
        )
        if registration is None:
            return "already handled"
        # Claimed before the send: at most one reminder even if the send fails.
        registration.reminded_at = timezone.now()
        registration.save(update_fields=["reminded_at"])
        contact, session = registration.contact, registration.session
        if not contact.email:
            return "skipped"
        language = language_of(contact) or settings.LANGUAGE_CODE
        with translation.override(language):
            subject = translation.gettext("Reminder: %(title)s") % {"title": session.title[:120]}
        email = _message(
            contact=contact,
            subject=subject,
            template="education/reminder_email",
            context={
                "session": session,
                "url": public_url(reverse("education_public:session", args=[session.pk])),
                "ics_url": public_url(reverse("education_public:session_ics", args=[session.pk])),
            },
            key=f"reminder.{registration.pk}",
        )
    try:
        email.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("reminder %s not sent: %s", registration_id, type(exc).__name__)
        return "failed"
    return "sent"
