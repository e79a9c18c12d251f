"""Reads for wallet sign-in: a visitor's pending nonce, a contact's verified wallet, and the
chain registry entry that can check a contract wallet."""

from __future__ import annotations

from django.conf import settings

from blockdesk.conversations.models import Contact, ContactIdentity
from blockdesk.wallet_auth.models import WalletNonce


def visitor_nonce(*, account_id: int, visitor_hash: str, nonce: str) -> WalletNonce | None:
    """The nonce issued to this visitor with this value, consumed or not (the caller tells
    a replay from an unknown nonce)."""
    return WalletNonce.objects.filter(
        account_id=account_id, visitor_hash=visitor_hash, nonce=nonce
    ).first()


def contact_wallet(*, contact: Contact) -> str | None:
    """The most recently verified address of the contact, if any."""
    value = (
        ContactIdentity.objects.filter(
            account_id=contact.account_id, contact=contact, kind=ContactIdentity.Kind.WALLET
        )
        .order_by("-created_at", "-id")
        .values_list("value", flat=True)
        .first()
    )
    return str(value) if value else None


def wallet_owner(*, account_id: int, address: str) -> ContactIdentity | None:
    return (
        ContactIdentity.objects.select_related("contact")
        .filter(account_id=account_id, kind=ContactIdentity.Kind.WALLET, value=address)
        .first()
    )


def is_anonymous(*, contact: Contact) -> bool:
    """True when nothing but widget visitor tokens identifies the contact: such a contact is
    only "this browser", so its history may follow the browser into a wallet's contact."""
    return not (
        ContactIdentity.objects.filter(account_id=contact.account_id, contact=contact)
        .exclude(kind=ContactIdentity.Kind.WEB_VISITOR)
        .exists()
    )


def trusted_hostnames() -> set[str]:
    """Host names a sign-in message may name: the public URL's, and the ALLOWED_HOSTS entries
    that are exact names (a wildcard would let any Host header choose the domain)."""
    from urllib.parse import urlsplit

    names = {(urlsplit(settings.PUBLIC_URL).hostname or "").lower()}
    for entry in settings.ALLOWED_HOSTS:
        if entry and entry != "*" and not entry.startswith("."):
            names.add(entry.lower().strip("[]"))
    names.discard("")
    return names
