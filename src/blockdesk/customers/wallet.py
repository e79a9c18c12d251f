"""Sign-In with Ethereum for customer accounts.

Parsing and signature checks are `blockdesk.chain.siwe` (the same EIP-4361 verifier the
widget uses); this adds single-use nonces bound to one browser (a challenge cookie, kept as
a keyed hash), the expected domain, and rate limits. Contract wallets (EIP-1271) are
checked on the account's configured chain of the message's chain id
(`chain.contract_wallets`, shared with the widget's wallet sign-in); without one configured
only externally owned accounts sign in."""

from __future__ import annotations

import hashlib
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

from blockdesk.chain.addresses import InvalidAddressError, to_checksum_address
from blockdesk.chain.contract_wallets import contract_checker_for
from blockdesk.chain.siwe import SiweError, SiweMessage, verify
from blockdesk.common.crypto import hash_token
from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.conversations import contact_services
from blockdesk.conversations.models import ContactIdentity
from blockdesk.customers import selectors
from blockdesk.customers.models import CustomerAccount, WalletChallenge
from blockdesk.customers.services import do_get_or_create_customer

NONCE_TTL = timedelta(minutes=10)
STATEMENT = (
    "Sign in to the community with this address. This does not send a transaction and costs no fee."
)
MAX_MESSAGE = 2000
MAX_SIGNATURE = 2 + 2 * 65 * 16
RATE_LIMIT_PER_IP = 30
_ALPHABET = string.ascii_letters + string.digits


class WalletSignInFailed(BlockdeskError):
    status = 400
    code = "wallet_sign_in_failed"


@dataclass(frozen=True)
class Challenge:
    message: str
    nonce: str


def site_domain(*, host: str, scheme: str) -> tuple[str, str]:
    """(domain, scheme) a message is issued for: the request's host only when it is the
    public URL's or an exact ALLOWED_HOSTS entry (a wildcard must not let a Host header
    choose the domain a signature is valid for)."""
    name = (urlsplit("//" + host).hostname or "").lower()
    trusted = {(urlsplit(settings.PUBLIC_URL).hostname or "").lower()}
    trusted |= {
        h.lower().strip("[]") for h in settings.ALLOWED_HOSTS if h and h != "*" and h[0] != "."
    }
    if name and name in trusted:
        return host.lower(), scheme if scheme in ("http", "https") else "https"
    public = urlsplit(settings.PUBLIC_URL)
    return public.netloc.lower(), public.scheme or "https"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _chain_id(value: Any) -> int:
    try:
        text = str(value).strip()
        number = int(text, 16) if text[:2].lower() == "0x" else int(text)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number < 2**53:
        raise ValidationFailed.field("chain_id", _("The wallet reported an invalid network id."))
    return number


def do_issue_challenge(
    *,
    account_id: int,
    browser_token: str,
    address: Any,
    chain_id: Any,
    host: str,
    scheme: str,
    ip: str,
) -> Challenge:
    check_rate_limit(scope="customer-wallet-ip", key=ip, limit=RATE_LIMIT_PER_IP, window=60)
    try:
        checksum = to_checksum_address(str(address or "").strip())
    except InvalidAddressError as exc:
        raise ValidationFailed.field(
            "address", _("This is not an Ethereum address (0x followed by 40 hex digits).")
        ) from exc
    chain = _chain_id(chain_id)
    domain, scheme = site_domain(host=host, scheme=scheme)
    now = timezone.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    nonce = "".join(secrets.choice(_ALPHABET) for _ in range(24))
    message = SiweMessage(
        domain=domain,
        address=checksum,
        statement=STATEMENT,
        uri=f"{scheme}://{domain}/",
        version="1",
        chain_id=chain,
        nonce=nonce,
        issued_at=_rfc3339(now),
        expiration_time=_rfc3339(now + NONCE_TTL),
    ).to_message()
    with transaction.atomic():
        WalletChallenge.objects.create(
            account_id=account_id,
            browser_hash=hash_token(browser_token),
            nonce=nonce,
            domain=domain,
            address=checksum,
            chain_id=chain,
            message_sha256=_sha256(message),
            issued_at=now,
            expires_at=now + NONCE_TTL,
        )
    return Challenge(message=message, nonce=nonce)


def do_verify(
    *, browser_token: str, message: Any, signature: Any, ip: str, now: datetime | None = None
) -> tuple[CustomerAccount, bool]:
    """Verifies a message this browser was issued; the nonce is consumed by a conditional
    UPDATE in the transaction that finds or creates the wallet's contact and account."""
    check_rate_limit(scope="customer-wallet-ip", key=ip, limit=RATE_LIMIT_PER_IP, window=60)
    if not isinstance(message, str) or not message or len(message) > MAX_MESSAGE:
        raise ValidationFailed.field("message", _("The signed message is missing or too long."))
    if not isinstance(signature, str) or not signature or len(signature) > MAX_SIGNATURE:
        raise ValidationFailed.field("signature", _("The signature is missing or too long."))
    now = now or timezone.now()
    refused = WalletSignInFailed(_("This sign-in request is not valid. Please sign in again."))
    try:
        parsed = SiweMessage.parse(message)
    except SiweError as exc:
        raise WalletSignInFailed(exc.message, code=str(exc.code)) from exc
    record = selectors.wallet_challenge(browser_hash=hash_token(browser_token), nonce=parsed.nonce)
    if (
        record is None
        or record.consumed_at is not None
        or _sha256(message) != record.message_sha256
    ):
        raise refused
    try:
        checker = contract_checker_for(account_id=record.account_id, chain_id=parsed.chain_id)
        verified = verify(
            message,
            signature,
            domain=record.domain,
            nonce=record.nonce,
            now=now,
            contract_checker=checker,
        )
    except SiweError as exc:
        raise WalletSignInFailed(exc.message, code=str(exc.code)) from exc
    with transaction.atomic():
        consumed = WalletChallenge.objects.filter(
            pk=record.pk, consumed_at__isnull=True, expires_at__gt=now
        ).update(consumed_at=now)
        if consumed != 1:
            raise refused
        contact = selectors.contact_by_wallet(
            account_id=record.account_id, address=verified.address
        )
        if contact is None:
            contact = contact_services.do_create_contact(
                account_id=record.account_id,
                identities=[
                    contact_services.IdentitySpec(
                        kind=ContactIdentity.Kind.WALLET, value=verified.address
                    )
                ],
                source="wallet_sign_in",
            )
        return do_get_or_create_customer(contact=contact, method="wallet")
