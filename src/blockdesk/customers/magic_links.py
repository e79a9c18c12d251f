"""Email magic links: a single-use, expiring link (its token stored as a keyed hash), sent
with the customer's anti-phishing code, limited per address and per client address.

Requesting a link answers the same whether or not the address is known (no enumeration).
Opening the link shows a button; only the POST signs in, since mail scanners open links."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from blockdesk.common.crypto import hash_token, new_token
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.conversations import contact_services
from blockdesk.conversations.models import ContactIdentity
from blockdesk.customers import selectors
from blockdesk.customers.models import CustomerAccount, MagicLink
from blockdesk.customers.services import do_get_or_create_customer
from blockdesk.events.registry import Actor
from blockdesk.safety.fields import check_no_secret
from blockdesk.trust.selectors import anti_phishing_code_for

logger = logging.getLogger(__name__)

LINK_TTL = timedelta(minutes=15)
PER_ADDRESS_LIMIT = 3  # links per address per window
PER_IP_LIMIT = 10
WINDOW = 15 * 60


def check_email(value: object) -> str:
    email = value.strip().lower() if isinstance(value, str) else ""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationFailed.field("email", _("Enter a valid email address.")) from exc
    return check_no_secret(email, field="email")


def link_url(token: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + reverse("customers:link", args=[token])


def do_request_link(*, account_id: int, email: object, ip: str, language: str) -> str | None:
    """Creates and mails a link; returns the plain token (for tests), None when the send
    failed. Raises ValidationFailed (bad address) or RateLimited."""
    address = check_email(email)
    check_rate_limit(scope="customer-link-ip", key=ip, limit=PER_IP_LIMIT, window=WINDOW)
    check_rate_limit(
        scope="customer-link-email",
        key=hash_token(address)[:32],
        limit=PER_ADDRESS_LIMIT,
        window=WINDOW,
    )
    now = timezone.now()
    token = new_token("bdl")
    with transaction.atomic():
        MagicLink.objects.create(
            account_id=account_id,
            email=address,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + LINK_TTL,
        )
    contact = selectors.contact_by_email(account_id=account_id, email=address)
    try:
        _email(
            address=address,
            token=token,
            language=language,
            contact_code=(anti_phishing_code_for(contact) if contact else None),
        ).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("sign-in link not sent: %s", type(exc).__name__)
        return None
    return token


def _email(
    *, address: str, token: str, language: str, contact_code: str | None
) -> EmailMultiAlternatives:
    account = selectors.site_account()
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            "account_name": account.name if account else "Blockdesk",
            "code": contact_code,
            "url": link_url(token),
            "minutes": int(LINK_TTL.total_seconds() // 60),
        }
        subject = _("Your sign-in link for %(name)s") % {"name": context["account_name"]}
        text = render_to_string("customers/link_email.txt", context)
        html = render_to_string("customers/link_email.html", context)
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={
            "Message-ID": f"<blockdesk.signin.{hash_token(token)[:24]}@{domain}>",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def pending_link(*, token: str) -> MagicLink:
    """The unused, unexpired link for this token (to show its confirm page), or NotFound."""
    link = MagicLink.objects.filter(
        token_hash=hash_token(token), used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
    if link is None:
        raise NotFound(_("This sign-in link has expired or was already used."))
    return link


def do_consume_link(*, token: str, language: str = "") -> tuple[CustomerAccount, bool]:
    """Signs in with a link: consumed by one conditional UPDATE (a replay or a racing tab
    gets NotFound), the address's contact found or created, its customer account too."""
    now = timezone.now()
    link = pending_link(token=token)
    with transaction.atomic():
        used = MagicLink.objects.filter(
            pk=link.pk, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if used != 1:
            raise NotFound(_("This sign-in link has expired or was already used."))
        contact = selectors.contact_by_email(account_id=link.account_id, email=link.email)
        if contact is None:
            contact = contact_services.do_create_contact(
                account_id=link.account_id,
                email=link.email,
                locale=language,
                identities=[
                    contact_services.IdentitySpec(kind=ContactIdentity.Kind.EMAIL, value=link.email)
                ],
                source="channel",
            )
        elif not ContactIdentity.objects.filter(
            account_id=link.account_id, kind=ContactIdentity.Kind.EMAIL, value=link.email
        ).exists():
            # The address is now proven: record it, so the next sign-in finds this contact.
            contact_services.do_link_identity(
                contact=contact,
                kind=ContactIdentity.Kind.EMAIL,
                value=link.email,
                actor=Actor.contact(contact.pk),
            )
        return do_get_or_create_customer(contact=contact, method="email_link", locale=language)
