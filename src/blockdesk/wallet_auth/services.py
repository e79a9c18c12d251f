"""Sign-In with Ethereum for widget visitors: issue a challenge, verify the signed message,
link the address to the visitor's contact (or move the visitor to the contact that already
owns it), sign out.

Parsing and signature checks are `blockdesk.chain.siwe`; this module adds what a server must:
single-use nonces bound to one visitor, the expected domain, EIP-1271 through the chain
registry, rate limits, and the contact bookkeeping. Nonces are never logged.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.chain.addresses import InvalidAddressError, to_checksum_address
from blockdesk.chain.contract_wallets import (  # noqa: F401 (ChainUnavailable: re-exported)
    ChainUnavailable,
    contract_checker_for,
)
from blockdesk.chain.siwe import SiweError, SiweErrorCode, SiweMessage, verify
from blockdesk.common.crypto import hash_token
from blockdesk.common.errors import BlockdeskError, NotFound, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.conversations import contact_services
from blockdesk.conversations.models import Contact, ContactIdentity
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.wallet_auth import selectors
from blockdesk.wallet_auth.models import WalletNonce
from blockdesk.widget import services as widget_services
from blockdesk.widget.services import VisitorSession

logger = logging.getLogger(__name__)

NONCE_TTL = timedelta(minutes=10)
NONCE_LENGTH = 24  # EIP-4361 asks for at least 8 alphanumerics; 24 gives ~143 bits
_NONCE_ALPHABET = string.ascii_letters + string.digits
# Fixed English: the SIWE statement grammar is ASCII-only and wallets show it verbatim. The UI
# shows a translated explanation (EXPLANATION) beside it.
STATEMENT = (
    "Sign in to the support chat with this address. "
    "This does not send a transaction and costs no fee."
)
EXPLANATION = gettext_lazy(
    "Your wallet will ask you to sign a short message. Signing proves that you control this "
    "address, so you can see your conversations on any device. It does not send a "
    "transaction, move funds or cost a fee. We will never ask for your seed phrase or "
    "private key."
)
MAX_MESSAGE_LENGTH = 2000
MAX_SIGNATURE_LENGTH = 2 + 2 * 65 * 16  # contract wallets (multisigs) send several signatures
# Per visitor and per IP, each a fixed window of RATE_WINDOW seconds.
RATE_LIMIT = 10
RATE_LIMIT_PER_IP = 40
RATE_WINDOW = 60


class WalletSignInError(BlockdeskError):
    """A sign-in attempt that failed verification; `code` is stable, `message` translated."""

    status = 400
    code = "wallet_sign_in_failed"

    @classmethod
    def from_siwe(cls, exc: SiweError) -> WalletSignInError:
        return cls(exc.message, code=str(exc.code))


def _nonce_used() -> WalletSignInError:
    return WalletSignInError(
        _("This sign-in request was already used. Please sign in again."), code="nonce_used"
    )


@dataclass(frozen=True)
class SiteOrigin:
    domain: str  # RFC 3986 authority: host[:port], as the wallet compares it to the page
    scheme: str


@dataclass(frozen=True)
class Challenge:
    message: str
    nonce: str
    address: str
    chain_id: int
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class SignInResult:
    contact: Contact
    address: str
    linked: bool  # the address was new and is now the contact's
    moved: bool  # this browser now belongs to another contact
    merged_conversations: int


# --- checks -------------------------------------------------------------------------------


def site_origin(*, host: str, scheme: str) -> SiteOrigin:
    """The domain messages are issued for and verified against.

    `host` is the request's (Django has checked it against ALLOWED_HOSTS). It is used only when
    its name is the public URL's or an exact ALLOWED_HOSTS entry, so a wildcard deployment
    cannot be made to accept messages signed for an attacker's domain."""
    name = (urlsplit("//" + host).hostname or "").lower()
    if name and name in selectors.trusted_hostnames():
        safe_scheme = scheme if scheme in ("http", "https") else "https"
        return SiteOrigin(domain=host.lower(), scheme=safe_scheme)
    public = urlsplit(settings.PUBLIC_URL)
    return SiteOrigin(domain=public.netloc.lower(), scheme=public.scheme or "https")


def check_address(*, address: Any) -> str:
    try:
        return to_checksum_address(str(address or "").strip())
    except InvalidAddressError as exc:
        raise ValidationFailed.field(
            "address", _("This is not an Ethereum address (0x followed by 40 hex digits).")
        ) from exc


def check_chain_id(*, chain_id: Any) -> int:
    """Wallets report eth_chainId as hex ("0x1"); forms send decimals. Both are accepted."""
    value: int | None = None
    if isinstance(chain_id, int) and not isinstance(chain_id, bool):
        value = chain_id
    elif isinstance(chain_id, str):
        text = chain_id.strip()
        try:
            value = int(text, 16) if text[:2].lower() == "0x" else int(text, 10)
        except ValueError:
            value = None
    if value is None or not 1 <= value < 2**53:
        raise ValidationFailed.field("chain_id", _("The wallet reported an invalid network id."))
    return value


def check_wallet_rate_limit(*, scope: str, ip: str, visitor_token: str) -> None:
    # Keyed by the visitor's hash prefix, not the contact: a sign-in may change the contact.
    visitor_key = hash_token(visitor_token)[:32]
    check_rate_limit(
        scope=f"wallet-{scope}-ip", key=ip, limit=RATE_LIMIT_PER_IP, window=RATE_WINDOW
    )
    check_rate_limit(
        scope=f"wallet-{scope}-visitor", key=visitor_key, limit=RATE_LIMIT, window=RATE_WINDOW
    )


# --- EIP-1271: chain/contract_wallets.py (shared with the customers app) ---------------


def verify_signed_message(
    *,
    message: str,
    signature: str,
    domain: str,
    nonce: str,
    now: datetime,
    account_id: int,
) -> SiweMessage:
    """`siwe.verify` with the account's EIP-1271 checker for the message's chain; failures
    become WalletSignInError in the one error shape."""
    try:
        parsed = SiweMessage.parse(message)
        checker = contract_checker_for(account_id=account_id, chain_id=parsed.chain_id)
        return verify(
            message, signature, domain=domain, nonce=nonce, now=now, contract_checker=checker
        )
    except SiweError as exc:
        raise WalletSignInError.from_siwe(exc) from exc


# --- challenge ------------------------------------------------------------------------------


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_nonce() -> str:
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(NONCE_LENGTH))


def do_issue_challenge(
    *,
    session: VisitorSession,
    visitor_token: str,
    address: Any,
    chain_id: Any,
    origin: SiteOrigin,
    now: datetime | None = None,
) -> Challenge:
    """Builds the EIP-4361 message for this visitor to sign and stores its nonce."""
    checksum = check_address(address=address)
    chain = check_chain_id(chain_id=chain_id)
    now = now or timezone.now()
    # Milliseconds, as printed in the message, so the stored expiry equals the signed one.
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    expires = now + NONCE_TTL
    nonce = new_nonce()
    try:
        message = SiweMessage(
            domain=origin.domain,
            address=checksum,
            statement=STATEMENT,
            uri=f"{origin.scheme}://{origin.domain}/",
            version="1",
            chain_id=chain,
            nonce=nonce,
            issued_at=_rfc3339(now),
            expiration_time=_rfc3339(expires),
        ).to_message()
    except SiweError as exc:  # only a misconfigured PUBLIC_URL/host could get here
        raise WalletSignInError.from_siwe(exc) from exc
    visitor_hash = hash_token(visitor_token)
    with transaction.atomic():
        # Old rows of this visitor are useless once expired; dropping them keeps the table small.
        WalletNonce.objects.filter(visitor_hash=visitor_hash, expires_at__lt=now).delete()
        WalletNonce.objects.create(
            account_id=session.contact.account_id,
            inbox_id=session.channel.inbox_id,
            contact=session.contact,
            visitor_hash=visitor_hash,
            nonce=nonce,
            domain=origin.domain,
            address=checksum,
            chain_id=chain,
            message_sha256=_sha256(message),
            issued_at=now,
            expires_at=expires,
        )
    return Challenge(
        message=message,
        nonce=nonce,
        address=checksum,
        chain_id=chain,
        issued_at=now,
        expires_at=expires,
    )


def do_purge_expired_nonces(*, older_than: timedelta = timedelta(days=1)) -> int:
    deleted, _detail = WalletNonce.objects.filter(
        expires_at__lt=timezone.now() - older_than
    ).delete()
    return deleted


# --- verification and linking ---------------------------------------------------------------


def do_verify_sign_in(
    *,
    session: VisitorSession,
    visitor_token: str,
    message: Any,
    signature: Any,
    now: datetime | None = None,
) -> SignInResult:
    """Verifies a message this visitor was issued and links the address (see `_link`).

    The nonce is consumed in the same transaction as the link, by an UPDATE conditioned on
    "not consumed and not expired": a replay, or two racing requests, get `nonce_used`."""
    if not isinstance(message, str) or not message or len(message) > MAX_MESSAGE_LENGTH:
        raise ValidationFailed.field("message", _("The signed message is missing or too long."))
    if not isinstance(signature, str) or not signature or len(signature) > MAX_SIGNATURE_LENGTH:
        raise ValidationFailed.field("signature", _("The signature is missing or too long."))
    now = now or timezone.now()
    try:
        parsed = SiweMessage.parse(message)
    except SiweError as exc:
        raise WalletSignInError.from_siwe(exc) from exc
    visitor_hash = hash_token(visitor_token)
    record = selectors.visitor_nonce(
        account_id=session.contact.account_id, visitor_hash=visitor_hash, nonce=parsed.nonce
    )
    if record is None:
        raise WalletSignInError.from_siwe(SiweError(SiweErrorCode.NONCE_MISMATCH))
    if record.consumed_at is not None:
        raise _nonce_used()
    if parsed.chain_id != record.chain_id:
        raise WalletSignInError(
            _("The wallet switched networks during sign-in. Please sign in again."),
            code="chain_mismatch",
        )
    if parsed.address != record.address:
        raise WalletSignInError(
            _("The message was signed for a different address. Please sign in again."),
            code="address_mismatch",
        )
    verified = verify_signed_message(
        message=message,
        signature=signature,
        domain=record.domain,
        nonce=record.nonce,
        now=now,
        account_id=session.contact.account_id,
    )
    if _sha256(message) != record.message_sha256:
        raise WalletSignInError.from_siwe(SiweError(SiweErrorCode.INVALID_MESSAGE))
    with transaction.atomic():
        consumed = WalletNonce.objects.filter(
            pk=record.pk, consumed_at__isnull=True, expires_at__gt=now
        ).update(consumed_at=now)
        if consumed != 1:
            raise _nonce_used()
        return _link(session=session, visitor_hash=visitor_hash, address=verified.address)


def _link(*, session: VisitorSession, visitor_hash: str, address: str) -> SignInResult:
    """Runs inside the caller's transaction.

    - The address is new: it becomes the current contact's, unless that contact already has
      another wallet (then this browser moves to a new contact for this address, so one
      person's history never reaches whoever signs with a different wallet).
    - The address is the current contact's: nothing to do.
    - Another contact owns it: this browser moves there. An anonymous current contact (only
      visitor tokens) is merged: its conversations, messages and other tokens follow. An
      identified one keeps its history; only this browser's token moves.

    The rows are conversations' (contacts and identities): their writes are its services.
    """
    account_id = session.contact.account_id
    locked = contact_services.lock_visitor(account_id=account_id, visitor_hash=visitor_hash)
    if locked is None:  # signed out in another tab meanwhile
        raise NotFound(_("This chat session has ended. Please reload."))
    identity, current = locked
    visitor = Actor.contact(current.pk)
    owner = selectors.wallet_owner(account_id=account_id, address=address)
    if owner is None:
        target = current
        if selectors.contact_wallet(contact=current) is not None:
            target = contact_services.do_create_contact(
                account_id=account_id,
                locale=current.locale,
                actor=visitor,
                source="wallet_sign_in",
            )
        linked = contact_services.do_link_identity(
            contact=target,
            kind=ContactIdentity.Kind.WALLET,
            value=address,
            actor=visitor,
            proof="wallet_signature",
        )
        if linked is None:  # another request linked the address first
            owner = selectors.wallet_owner(account_id=account_id, address=address)
            assert owner is not None
        else:
            moved = target.pk != current.pk
            if moved:
                contact_services.do_move_identity(identity=identity, contact=target, actor=visitor)
            _emit_verified(
                target, address=address, linked=True, moved_from=current if moved else None
            )
            return SignInResult(target, address, linked=True, moved=moved, merged_conversations=0)
    target = owner.contact
    if target.pk == current.pk:
        return SignInResult(current, address, linked=False, moved=False, merged_conversations=0)
    merged = 0
    if selectors.is_anonymous(contact=current):
        merged = len(contact_services.do_merge_contacts(source=current, target=target))
    else:
        contact_services.do_move_identity(identity=identity, contact=target, actor=visitor)
    _emit_verified(target, address=address, linked=False, moved_from=current)
    return SignInResult(target, address, linked=False, moved=True, merged_conversations=merged)


def _emit_verified(
    contact: Contact, *, address: str, linked: bool, moved_from: Contact | None
) -> None:
    emit(
        account_id=contact.account_id,
        name="contact.wallet_verified",
        actor=Actor.contact(contact.pk),
        subject=Subject("contact", contact.pk),
        payload={
            "contact_id": contact.pk,
            "address": address,
            "linked": linked,
            "moved_from_contact_id": moved_from.pk if moved_from else None,
        },
    )


# --- sign-out -------------------------------------------------------------------------------


def do_sign_out(*, session: VisitorSession, visitor_token: str) -> tuple[VisitorSession, str]:
    """Forgets this browser: its token stops working and a new anonymous visitor starts.
    Returns the new session and its plain token."""
    visitor_hash = hash_token(visitor_token)
    with transaction.atomic():
        contact_services.do_forget_visitor_identity(
            account_id=session.contact.account_id, visitor_hash=visitor_hash
        )
        WalletNonce.objects.filter(visitor_hash=visitor_hash).delete()
        return widget_services.do_start_visitor_session(
            channel=session.channel, locale=session.contact.locale
        )


def short_address(address: str) -> str:
    return f"{address[:6]}\u2026{address[-4:]}"
