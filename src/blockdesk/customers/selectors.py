"""Reads for customer accounts, and `signed_in_customer(request)`, the one way other apps
(forum, feedback, guides) learn who is signed in on the public side."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from blockdesk.accounts.models import Account
from blockdesk.common.crypto import hash_token
from blockdesk.conversations.models import Contact, ContactIdentity
from blockdesk.customers.models import CustomerAccount, CustomerSession, WalletChallenge
from blockdesk.trust.selectors import public_account

SESSION_COOKIE = "bd_customer"
WALLET_COOKIE = "bd_customer_wallet"
_CACHE_ATTR = "_blockdesk_customer"


def site_account() -> Account | None:
    """The account the public side answers for (the help center's: the first one)."""
    return public_account()


def signed_in_customer(request: HttpRequest) -> CustomerAccount | None:
    """The customer this browser is signed in as, or None. One query per request (cached
    on the request); an expired session or a deactivated account is no session."""
    if hasattr(request, _CACHE_ATTR):
        cached: CustomerAccount | None = getattr(request, _CACHE_ATTR)
        return cached
    customer: CustomerAccount | None = None
    token = request.COOKIES.get(SESSION_COOKIE, "")
    if token and len(token) < 200:
        session = (
            CustomerSession.objects.filter(
                token_hash=hash_token(token),
                expires_at__gt=timezone.now(),
                customer__is_active=True,
            )
            .select_related("customer__contact")
            .first()
        )
        customer = session.customer if session else None
    setattr(request, _CACHE_ATTR, customer)
    return customer


def customer_for_contact(*, contact: Contact) -> CustomerAccount | None:
    return CustomerAccount.objects.filter(contact=contact).first()


def get_customer(*, account_id: int, customer_id: int) -> CustomerAccount | None:
    return CustomerAccount.objects.filter(account_id=account_id, pk=customer_id).first()


def display_name_taken(*, account_id: int, name: str, exclude_id: int | None = None) -> bool:
    rows = CustomerAccount.objects.filter(account_id=account_id, display_name_key=name.lower())
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    return rows.exists()


def contact_by_email(*, account_id: int, email: str) -> Contact | None:
    """The contact an email address belongs to: its email identity first (proven by a
    channel), else the oldest contact with that address on file."""
    identity = (
        ContactIdentity.objects.filter(
            account_id=account_id, kind=ContactIdentity.Kind.EMAIL, value=email.lower()
        )
        .select_related("contact")
        .first()
    )
    if identity is not None:
        return identity.contact
    return Contact.objects.filter(account_id=account_id, email__iexact=email).order_by("pk").first()


def contact_by_wallet(*, account_id: int, address: str) -> Contact | None:
    identity = (
        ContactIdentity.objects.filter(
            account_id=account_id, kind=ContactIdentity.Kind.WALLET, value=address
        )
        .select_related("contact")
        .first()
    )
    return identity.contact if identity else None


def wallet_challenge(*, browser_hash: str, nonce: str) -> WalletChallenge | None:
    return WalletChallenge.objects.filter(browser_hash=browser_hash, nonce=nonce).first()


def customer_wallets(*, customer: CustomerAccount) -> list[str]:
    return list(
        ContactIdentity.objects.filter(
            contact_id=customer.contact_id, kind=ContactIdentity.Kind.WALLET
        ).values_list("value", flat=True)
    )


def signed_in_contact(request: HttpRequest, *, account_id: int) -> Contact | None:
    """The signed-in customer of this account as the contact it is bound to (votes,
    progress and registrations are keyed on the one customer everywhere)."""
    customer = signed_in_customer(request)
    if customer is None or customer.account_id != account_id:
        return None
    return customer.contact


def language_of(contact: Contact) -> str:
    """The customer's chosen language, else the one the profile has."""
    customer = getattr(contact, "customer_account", None)
    return (getattr(customer, "locale", "") or contact.locale) if customer else contact.locale
