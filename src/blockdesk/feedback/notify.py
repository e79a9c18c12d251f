"""Voters hear of every status change of what they voted for, by email, in their language,
with their anti-phishing code. The change wrote one `VoterNotice` row per voter; each is
claimed before its send, so a task that runs twice (a retried worker) sends it once."""

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
from django.utils.translation import gettext as _

from blockdesk.conversations.models import Contact
from blockdesk.customers.selectors import language_of
from blockdesk.feedback.models import StatusChange, Suggestion, VoterNotice
from blockdesk.trust.selectors import anti_phishing_code_for

logger = logging.getLogger(__name__)


def suggestion_url(suggestion_id: int) -> str:
    return settings.PUBLIC_URL.rstrip("/") + reverse("feedback_public:detail", args=[suggestion_id])


def _email(change: StatusChange, contact: Contact, target: Suggestion) -> EmailMultiAlternatives:
    language = language_of(contact) or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "title": change.suggestion.title,
            "old": Suggestion.Status(change.old).label,
            "new": Suggestion.Status(change.new).label,
            "note": change.note,
            "url": suggestion_url(target.pk),
            "merged_title": target.title if target.pk != change.suggestion_id else "",
            "code": anti_phishing_code_for(contact),
        }
        subject = _("“%(title)s” is now: %(status)s") % {
            "title": change.suggestion.title[:80],
            "status": context["new"],
        }
        text = render_to_string("feedback/status_email.txt", context)
        html = render_to_string("feedback/status_email.html", context)
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
        headers={
            "Message-ID": f"<blockdesk.suggestion.{change.pk}.{contact.pk}@{domain}>",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def do_notify_voters(*, change_id: int) -> int:
    change = StatusChange.objects.select_related("suggestion").filter(pk=change_id).first()
    if change is None:
        return 0
    suggestion = change.suggestion
    # A merged duplicate's voters now vote on the original: tell them about it.
    target = suggestion.merged_into if suggestion.merged_into_id else suggestion
    assert target is not None
    sent = 0
    pending = VoterNotice.objects.filter(change=change, status=VoterNotice.Status.PENDING)
    for notice_id in list(pending.values_list("pk", flat=True)):
        with transaction.atomic():
            # The claim: only one worker moves a notice out of "pending".
            notice = (
                VoterNotice.objects.select_for_update()
                .select_related("contact")
                .filter(pk=notice_id, status=VoterNotice.Status.PENDING)
                .first()
            )
            if notice is None:
                continue
            if not notice.contact.email:
                notice.status = VoterNotice.Status.SKIPPED
                notice.save(update_fields=["status"])
                continue
            try:
                _email(change, notice.contact, target).send(fail_silently=False)
            except (smtplib.SMTPException, OSError) as exc:
                logger.warning("suggestion notice %s not sent: %s", notice.pk, type(exc).__name__)
                notice.status = VoterNotice.Status.FAILED
            else:
                notice.status, notice.sent_at = VoterNotice.Status.SENT, timezone.now()
                sent += 1
            notice.save(update_fields=["status", "sent_at"])
    return sent
