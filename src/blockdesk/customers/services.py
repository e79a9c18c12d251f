"""Writes for customer accounts: creating one for a proven contact, sessions, password,
profile. Magic links are `magic_links.py`, Sign-In with Ethereum `wallet.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.common.crypto import hash_token, new_token
from blockdesk.common.errors import ValidationFailed
from blockdesk.common.ratelimit import (
    check_lock,
    clear_failures,
    lock_after_failure,
    take_lockable_attempt,
)
from blockdesk.conversations.models import Contact
from blockdesk.customers import names, selectors
from blockdesk.customers.models import CustomerAccount, CustomerSession, MagicLink, WalletChallenge
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit

SignInMethod = Literal["email_link", "password", "wallet"]
SESSION_TTL = timedelta(days=30)
MAX_PASSWORD = 256
# Password guesses per email address before a growing lockout (common/ratelimit).
PASSWORD_ATTEMPTS = 5
PASSWORD_WINDOW = 15 * 60


@dataclass(frozen=True)
class StartedSession:
    customer: CustomerAccount
    token: str  # the cookie value, shown once
    expires_at: object
    created: bool  # the account is new


def _unique_generated_name(*, account_id: int) -> str:
    for _attempt in range(20):
        name = names.generate()
        if not selectors.display_name_taken(account_id=account_id, name=name):
            return name
    return f"{names.generate()}-{new_token('n', 3)[2:]}"


def do_get_or_create_customer(
    *, contact: Contact, method: Literal["email_link", "wallet"], locale: str = ""
) -> tuple[CustomerAccount, bool]:
    """The contact's customer account, created (with a generated pseudonym) on first
    sign-in. Runs in the caller's transaction; the 1:1 constraint settles a race."""
    existing = selectors.customer_for_contact(contact=contact)
    if existing is not None:
        return existing, False
    customer = CustomerAccount(
        account_id=contact.account_id,
        contact=contact,
        display_name=_unique_generated_name(account_id=contact.account_id),
        locale=locale or contact.locale,
    )
    try:
        with transaction.atomic():
            customer.save()
            emit(
                account_id=contact.account_id,
                name="customer.signed_up",
                actor=Actor.contact(contact.pk),
                subject=Subject("contact", contact.pk),
                payload={"customer_id": customer.pk, "contact_id": contact.pk, "method": method},
            )
    except IntegrityError:
        again = selectors.customer_for_contact(contact=contact)
        if again is None:
            raise
        return again, False
    return customer, True


def do_start_session(*, customer: CustomerAccount, method: SignInMethod) -> StartedSession:
    now = timezone.now()
    token = new_token("bdc")
    expires = now + SESSION_TTL
    with transaction.atomic():
        CustomerSession.objects.create(
            customer=customer,
            token_hash=hash_token(token),
            method=method,
            created_at=now,
            expires_at=expires,
        )
        CustomerAccount.objects.filter(pk=customer.pk).update(last_sign_in_at=now)
    return StartedSession(customer=customer, token=token, expires_at=expires, created=False)


def do_end_session(*, token: str) -> None:
    if token:
        CustomerSession.objects.filter(token_hash=hash_token(token)).delete()


def do_end_all_sessions(*, customer: CustomerAccount) -> int:
    deleted, _detail = CustomerSession.objects.filter(customer=customer).delete()
    return deleted


def do_update_profile(
    *, customer: CustomerAccount, display_name: object, locale: str | None = None
) -> CustomerAccount:
    name = names.check_display_name(display_name, account_id=customer.account_id)
    if selectors.display_name_taken(
        account_id=customer.account_id, name=name, exclude_id=customer.pk
    ):
        raise ValidationFailed.field("display_name", _("This name is taken. Choose another."))
    customer.display_name = name
    fields = ["display_name"]
    if locale is not None and locale in {code for code, _n in settings.LANGUAGES}:
        customer.locale = locale
        fields.append("locale")
    try:
        with transaction.atomic():
            customer.save(update_fields=fields)
    except IntegrityError as exc:  # a racing rename took it
        raise ValidationFailed.field(
            "display_name", _("This name is taken. Choose another.")
        ) from exc
    return customer


def do_set_password(*, customer: CustomerAccount, password: object) -> None:
    """Optional: a customer who signed in by link may add a password (Django's hashers and
    validators). An empty password removes it."""
    if password == "":
        CustomerAccount.objects.filter(pk=customer.pk).update(password="")
        return
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        raise ValidationFailed.field("password", _("Choose a password."))
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationFailed.field("password", " ".join(exc.messages)) from exc
    customer.password = make_password(password)
    customer.save(update_fields=["password"])


def check_password_sign_in(*, account_id: int, email: object, password: object) -> CustomerAccount:
    """The customer whose email and password these are. Attempts per address are counted
    before checking, so parallel guesses cannot pass the lockout; a wrong address and a
    wrong password answer the same."""
    refused = ValidationFailed(_("The email address or password is wrong."), code="sign_in_failed")
    if not isinstance(email, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD:
        raise refused
    key = hash_token(email.strip().lower())[:32]
    check_lock(scope="customer-password", key=key)
    attempt = take_lockable_attempt(
        scope="customer-password", key=key, limit=PASSWORD_ATTEMPTS, window=PASSWORD_WINDOW
    )
    contact = selectors.contact_by_email(account_id=account_id, email=email.strip())
    customer = selectors.customer_for_contact(contact=contact) if contact else None
    if customer is None or not customer.password or not customer.is_active:
        make_password(password)  # the same work as a real check: no timing oracle
        _failed(key, attempt)
        raise refused
    if not check_password(password, customer.password):
        _failed(key, attempt)
        raise refused
    clear_failures(scope="customer-password", key=key)
    return customer


def _failed(key: str, attempt: int) -> None:
    if attempt >= PASSWORD_ATTEMPTS:
        lock_after_failure(
            scope="customer-password", key=key, lock_seconds=PASSWORD_WINDOW, max_lock_seconds=86400
        )


def do_purge_expired(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Periodic job: expired links, challenges and sessions."""
    cutoff = timezone.now() - older_than
    total = 0
    for model in (MagicLink, WalletChallenge, CustomerSession):
        deleted, _detail = model.objects.filter(expires_at__lt=cutoff).delete()
        total += deleted
    return total
