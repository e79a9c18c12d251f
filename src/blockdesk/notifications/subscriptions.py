"""Email subscriptions to a public list (announcements, status page), built once for every
list: double opt-in, one-click unsubscribe (RFC 8058) and batched mailings.

- `do_subscribe` stores a pending subscriber and queues the confirmation email; nothing is
  sent to the list until the owner of the address presses the link's button.
- Link tokens are a keyed HMAC of the subscriber's id and salt, so the email task needs no
  stored secret and the table holds only SHA-256 hashes (see models/subscriber.py).
- Every list email carries `List-Unsubscribe` (the https link) and
  `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, so mail clients offer a one-click
  unsubscribe that POSTs to the same link.
- `do_start_mailing` (called by the owning app's event consumer, inside its transaction)
  creates one mailing per key and queues its first batch; each batch task sends up to
  `LIST_EMAIL_BATCH` emails over one SMTP connection and queues the next.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import smtplib
from base64 import urlsafe_b64encode
from typing import Any

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account
from blockdesk.common.errors import ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.common.tasks import enqueue_on_commit
from blockdesk.notifications.models import ListMailing, ListSubscriber

logger = logging.getLogger(__name__)

Status = ListSubscriber.Status
CONFIRM_VALID = dt.timedelta(days=7)
# A second "subscribe" for the same pending address within this time sends no new email:
# the form cannot be used to flood someone's mailbox.
RESEND_AFTER = dt.timedelta(minutes=10)
SWEEP_AFTER = dt.timedelta(minutes=10)

# Lists register a title so the confirmation and the pages can name them.
_LIST_TITLES: dict[str, Any] = {}


def register_list(name: str, title: Any) -> None:
    """Owning apps call this from ready(): `title` is a lazy translatable string."""
    _LIST_TITLES[name] = title


def list_title(name: str) -> str:
    return str(_LIST_TITLES.get(name, name))


def _key() -> bytes:
    return hashlib.sha256(b"blockdesk.list-token:" + settings.SECRET_KEY.encode()).digest()


def _mac(message: str) -> str:
    digest = hmac.new(_key(), message.encode(), hashlib.sha256).digest()
    return urlsafe_b64encode(digest).decode().rstrip("=")


def link_token(subscriber: ListSubscriber, purpose: str) -> str:
    return _mac(f"{purpose}:{subscriber.pk}:{subscriber.salt}")


def signed_link_token(purpose: str, value: str) -> str:
    """A link token for mail that is not to a list (e.g. the forum's, per member):
    `value` and its keyed MAC under `purpose`. No login, no stored state, no expiry (an old
    email's unsubscribe link must still work). `value` must not contain "."."""
    return f"{value}.{_mac(f'{purpose}:{value}')}"


def read_signed_link_token(purpose: str, token: str) -> str | None:
    """The value of a `signed_link_token`; None when forged, truncated or for another
    purpose."""
    value, _sep, mac = (token or "")[:200].rpartition(".")
    if not value or not hmac.compare_digest(mac, _mac(f"{purpose}:{value}")):
        return None
    return value


def one_click_headers(url: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058: mail clients show "unsubscribe" and POST
    `List-Unsubscribe=One-Click` to the https link, which must act without a login or a
    CSRF token (the token in the link is the authorisation)."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _rekey(subscriber: ListSubscriber) -> None:
    subscriber.salt = secrets.token_hex(16)
    subscriber.confirm_hash = token_hash(link_token(subscriber, "confirm"))
    subscriber.unsubscribe_hash = token_hash(link_token(subscriber, "unsubscribe"))


def confirm_url(subscriber: ListSubscriber) -> str:
    token = link_token(subscriber, "confirm")
    return settings.PUBLIC_URL + reverse("notifications:confirm", args=[token])


def unsubscribe_url(subscriber: ListSubscriber) -> str:
    token = link_token(subscriber, "unsubscribe")
    return settings.PUBLIC_URL + reverse("notifications:unsubscribe", args=[token])


def check_subscribe_rate_limit(*, ip: str) -> None:
    """Public subscribe forms: a few per address and hour (RateLimited → 429)."""
    check_rate_limit(
        scope="list-subscribe",
        key=ip,
        limit=settings.LIST_SUBSCRIBE_RATE_LIMIT,
        window=settings.LIST_SUBSCRIBE_RATE_WINDOW,
    )


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    local, sep, domain = email.rpartition("@")
    email = f"{local}{sep}{domain.lower()}"
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed.field("email", _("Enter a valid email address.")) from None
    if len(email) > 254:
        raise ValidationFailed.field("email", _("Enter a valid email address."))
    return email


def _language(language: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return language if language in codes else settings.LANGUAGE_CODE


def do_subscribe(
    *,
    account: Account,
    list_name: str,
    email: str,
    language: str,
    now: dt.datetime | None = None,
) -> ListSubscriber:
    """A pending subscription and its confirmation email. Always answers the same way to
    the caller whatever the address's state, so the form does not tell who is subscribed."""
    if list_name not in _LIST_TITLES:
        raise ValidationFailed.field("list", _("Unknown list."))
    email = _clean_email(email)
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = (
            ListSubscriber.objects.select_for_update()
            .filter(account=account, list_name=list_name, email__iexact=email)
            .first()
        )
        if subscriber is not None and subscriber.status == Status.CONFIRMED:
            return subscriber
        if (
            subscriber is not None
            and subscriber.confirm_sent_at
            and (now - subscriber.confirm_sent_at < RESEND_AFTER)
        ):
            return subscriber
        if subscriber is None:
            subscriber = ListSubscriber(account=account, list_name=list_name, email=email)
        subscriber.status = Status.PENDING
        subscriber.language = _language(language)
        subscriber.confirm_sent_at = now
        subscriber.salt = "-"
        subscriber.confirm_hash = secrets.token_hex(32)  # placeholder until the id exists
        subscriber.unsubscribe_hash = secrets.token_hex(32)
        try:
            with transaction.atomic():
                subscriber.save()
        except IntegrityError:  # the same address from two tabs at once: one row wins
            return ListSubscriber.objects.get(
                account=account, list_name=list_name, email__iexact=email
            )
        _rekey(subscriber)
        subscriber.full_clean()
        subscriber.save(update_fields=["salt", "confirm_hash", "unsubscribe_hash"])
        from blockdesk.notifications.tasks import send_list_confirmation

        enqueue_on_commit(send_list_confirmation, subscriber.pk)
    return subscriber


def do_send_confirmation(*, subscriber_id: int) -> bool:
    subscriber = ListSubscriber.objects.filter(pk=subscriber_id, status=Status.PENDING).first()
    if subscriber is None:
        return False
    with translation.override(subscriber.language):
        context = {
            "list_title": list_title(subscriber.list_name),
            "confirm_url": confirm_url(subscriber),
            "days": CONFIRM_VALID.days,
        }
        subject = _("Confirm your subscription: %(list)s") % {"list": context["list_title"]}
        text = render_to_string("notifications/lists/confirm.txt", context)
        html = render_to_string("notifications/lists/confirm.html", context)
    message = mail.EmailMultiAlternatives(
        subject=subject, body=text, to=[subscriber.email], from_email=settings.DEFAULT_FROM_EMAIL
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("list confirmation %s not sent: %s", subscriber_id, type(exc).__name__)
        return False
    return True


def subscriber_for(*, token: str, purpose: str) -> ListSubscriber | None:
    if not token or len(token) > 100:
        return None
    field = "confirm_hash" if purpose == "confirm" else "unsubscribe_hash"
    return ListSubscriber.objects.filter(**{field: token_hash(token)}).first()


def do_confirm(*, token: str, now: dt.datetime | None = None) -> ListSubscriber | None:
    """None: an unknown or expired link. Confirming twice is harmless."""
    now = now or timezone.now()
    with transaction.atomic():
        subscriber = subscriber_for(token=token, purpose="confirm")
        if subscriber is None or subscriber.status == Status.UNSUBSCRIBED:
            return None
        if subscriber.status == Status.CONFIRMED:
            return subscriber
        sent = subscriber.confirm_sent_at
        if sent is None or now - sent > CONFIRM_VALID:
            return None
        subscriber.status = Status.CONFIRMED
        subscriber.confirmed_at = now
        subscriber.full_clean()
        subscriber.save(update_fields=["status", "confirmed_at"])
    return subscriber


def do_unsubscribe(*, token: str, now: dt.datetime | None = None) -> ListSubscriber | None:
    """None: an unknown link. Idempotent: a second click still says "unsubscribed"."""
    with transaction.atomic():
        subscriber = subscriber_for(token=token, purpose="unsubscribe")
        if subscriber is None:
            return None
        if subscriber.status != Status.UNSUBSCRIBED:
            subscriber.status = Status.UNSUBSCRIBED
            subscriber.unsubscribed_at = now or timezone.now()
            subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber


def confirmed_count(*, account_id: int, list_name: str) -> int:
    return ListSubscriber.objects.filter(
        account_id=account_id, list_name=list_name, status=Status.CONFIRMED
    ).count()


# --- mailings -------------------------------------------------------------------------------


def do_start_mailing(
    *, account_id: int, list_name: str, key: str, content: dict[str, dict[str, str]]
) -> ListMailing | None:
    """Inside the caller's transaction (an event consumer's): one mailing per key, so a
    replayed event does not mail everyone twice. `content`: {language: {subject, text,
    html}}, with the default language present."""
    if ListMailing.objects.filter(account_id=account_id, list_name=list_name, key=key).exists():
        return None
    mailing = ListMailing.objects.create(
        account_id=account_id, list_name=list_name, key=key[:80], content=content
    )
    from blockdesk.notifications.tasks import send_list_batch

    enqueue_on_commit(send_list_batch, mailing.pk)
    return mailing


def _claim_batch(mailing_id: int) -> tuple[ListMailing, list[ListSubscriber]] | None:
    with transaction.atomic():
        mailing = (
            ListMailing.objects.select_for_update()
            .filter(pk=mailing_id, finished_at__isnull=True)
            .first()
        )
        if mailing is None:
            return None
        batch = list(
            ListSubscriber.objects.filter(
                account_id=mailing.account_id,
                list_name=mailing.list_name,
                status=Status.CONFIRMED,
                pk__gt=mailing.last_subscriber_id,
            ).order_by("pk")[: settings.LIST_EMAIL_BATCH]
        )
        if batch:
            mailing.last_subscriber_id = batch[-1].pk
        if len(batch) < settings.LIST_EMAIL_BATCH:
            mailing.finished_at = timezone.now()
        mailing.save(update_fields=["last_subscriber_id", "finished_at", "updated_at"])
    return mailing, batch


def list_message(
    *, subscriber: ListSubscriber, subject: str, text: str, html: str
) -> mail.EmailMultiAlternatives:
    """One list email with its unsubscribe link in the body and in the headers."""
    url = unsubscribe_url(subscriber)
    with translation.override(subscriber.language):
        footer = _("Unsubscribe: %(url)s") % {"url": url}
        html_footer = render_to_string(
            "notifications/lists/footer.html",
            {"url": url, "list_title": list_title(subscriber.list_name)},
        )
    domain = settings.PUBLIC_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    message = mail.EmailMultiAlternatives(
        subject=subject,
        body=f"{text}\n\n-- \n{footer}\n",
        to=[subscriber.email],
        from_email=settings.DEFAULT_FROM_EMAIL,
        headers={
            **one_click_headers(url),
            "List-Id": f"<{subscriber.list_name}.{subscriber.account_id}.{domain}>",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html + html_footer, "text/html")
    return message


def do_send_mailing_batch(*, mailing_id: int) -> int:
    """One batch (the task body); queues the next. Returns how many were sent."""
    claimed = _claim_batch(mailing_id)
    if claimed is None:
        return 0
    mailing, batch = claimed
    default = mailing.content.get(settings.LANGUAGE_CODE) or next(iter(mailing.content.values()))
    sent = failed = 0
    with mail.get_connection() as connection:
        for subscriber in batch:
            part = mailing.content.get(subscriber.language) or default
            message = list_message(
                subscriber=subscriber, subject=part["subject"], text=part["text"], html=part["html"]
            )
            message.connection = connection
            try:
                message.send(fail_silently=False)
                sent += 1
            except (smtplib.SMTPException, OSError) as exc:
                failed += 1
                logger.warning("list email to subscriber %s failed: %s", subscriber.pk, exc)
    with transaction.atomic():
        ListMailing.objects.filter(pk=mailing.pk).update(
            sent_count=mailing.sent_count + sent, failed_count=mailing.failed_count + failed
        )
        if mailing.finished_at is None:
            from blockdesk.notifications.tasks import send_list_batch

            enqueue_on_commit(send_list_batch, mailing.pk)
    return sent


def do_resume_mailings(*, now: dt.datetime | None = None) -> int:
    """Periodic sweep: a mailing whose next batch task was lost goes on."""
    now = now or timezone.now()
    ids = list(
        ListMailing.objects.filter(
            finished_at__isnull=True, updated_at__lt=now - SWEEP_AFTER
        ).values_list("pk", flat=True)[:20]
    )
    for mailing_id in ids:
        do_send_mailing_batch(mailing_id=mailing_id)
    return len(ids)
