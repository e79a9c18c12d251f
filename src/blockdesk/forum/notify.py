"""Email notifications: the asker hears about a new answer, a member about an @mention.
Every mail carries the recipient's anti-phishing code and the reminder that we never ask
for a seed phrase. Members without an email address (wallet-only) get none."""

from __future__ import annotations

import logging
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from blockdesk.customers.models import CustomerAccount
from blockdesk.forum import preferences
from blockdesk.forum.models import Answer, NotificationSent
from blockdesk.forum.models.posts import Status
from blockdesk.notifications.subscriptions import one_click_headers
from blockdesk.trust.selectors import anti_phishing_code_for

logger = logging.getLogger(__name__)


def _claim(*, event_id: int, member: CustomerAccount, kind: str) -> bool:
    try:
        with transaction.atomic():
            NotificationSent.objects.create(event_id=event_id, member=member, kind=kind)
    except IntegrityError:
        return False
    return True


def _message(*, member: CustomerAccount, answer: Answer, kind: str) -> EmailMultiAlternatives:
    question = answer.question
    language = member.locale or member.contact.locale or settings.LANGUAGE_CODE
    url = (
        settings.PUBLIC_URL.rstrip("/")
        + reverse("forum:question", args=[question.category.language, question.pk])
        + f"#a{answer.pk}"
    )
    unsubscribe = preferences.unsubscribe_url(member=member, kind=kind)
    settings_url = settings.PUBLIC_URL.rstrip("/") + reverse(
        "forum:settings", args=[question.category.language]
    )
    with translation.override(language):
        context = {
            "unsubscribe_url": unsubscribe,
            "settings_url": settings_url,
            "code": anti_phishing_code_for(member.contact),
            "title": question.title,
            "url": url,
            "kind": kind,
            "name": member.display_name,
        }
        subject = (
            _("New answer to “%(title)s”")
            if kind == "answer"
            else _("You were mentioned in “%(title)s”")
        ) % {"title": question.title[:80]}
        text = render_to_string("forum/notify_email.txt", context)
        html = render_to_string("forum/notify_email.html", context)
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[member.contact.email],
        headers={
            "Message-ID": f"<blockdesk.forum.{answer.pk}.{member.pk}.{kind}@{domain}>",
            "Auto-Submitted": "auto-generated",
            **one_click_headers(unsubscribe),
        },
    )
    email.attach_alternative(html, "text/html")
    return email


def notify_answer(*, event_id: int, answer_id: int, mentions: list[int]) -> int:
    """Sends the mails for one answer event; returns how many went out. Idempotent by
    (event, recipient): a redelivered event sends nothing twice."""
    answer = (
        Answer.objects.filter(pk=answer_id, status=Status.PUBLISHED)
        .select_related("question__category", "question__author__contact")
        .first()
    )
    if answer is None:
        return 0
    recipients: list[tuple[CustomerAccount, str]] = []
    asker = answer.question.author
    if asker is not None and asker.pk != answer.author_id:
        recipients.append((asker, "answer"))
    for member in CustomerAccount.objects.filter(
        pk__in=mentions[:10], account_id=answer.account_id, is_active=True
    ).select_related("contact"):
        if member.pk != answer.author_id and all(member.pk != r.pk for r, _k in recipients):
            recipients.append((member, "mention"))
    sent = 0
    for member, kind in recipients:
        if not member.contact.email or not preferences.wants_email(member=member, kind=kind):
            continue
        if not _claim(event_id=event_id, member=member, kind=kind):
            continue
        _message(member=member, answer=answer, kind=kind).send(fail_silently=False)
        sent += 1
    return sent
