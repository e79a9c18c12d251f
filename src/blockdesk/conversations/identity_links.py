"""Link tokens: a signed-in widget visitor proves, on another channel, that an identity
there is theirs (docs/identity.md).

The widget issues a short-lived token for its contact and one channel kind; the customer
carries it to that channel (a Telegram `/start <token>` deep link, a Discord `/link`
command); the channel redeems it with the sender's identity, which is then linked to the
widget's contact as proven (`contact_services.do_link_proven_identity`).

The token is compact because Telegram's start parameter allows at most 64 characters of
`A-Za-z0-9_-`: 8 bytes of contact id, 4 of expiry (Unix seconds), 16 of HMAC-SHA256 over
those, the account and the channel kind (Django's `salted_hmac` over SECRET_KEY), in
unpadded base64url: 38 characters. A token works once (the first redemption is remembered
in the cache until it expires) and only for the kind and account it was made for."""

from __future__ import annotations

import base64
import binascii
import hmac
import struct
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations import contact_services
from blockdesk.conversations.models import Contact, ContactIdentity
from blockdesk.events.registry import Actor

_SALT = "blockdesk.identity-link"
_LAYOUT = struct.Struct(">QI")  # contact id, expiry
_MAC_BYTES = 16
# The kinds a token can link: a visitor token is the widget's own, never carried elsewhere.
LINKABLE_KINDS = frozenset(ContactIdentity.Kind.values) - {ContactIdentity.Kind.WEB_VISITOR}


def link_token_seconds() -> int:
    return int(getattr(settings, "IDENTITY_LINK_TOKEN_SECONDS", 900))


def _mac(*, account_id: int, kind: str, body: bytes) -> bytes:
    message = b"%d|%s|" % (account_id, kind.encode()) + body
    return salted_hmac(_SALT, message, algorithm="sha256").digest()[:_MAC_BYTES]


def _invalid() -> ValidationFailed:
    return ValidationFailed.field("token", _("This link has expired or is not valid."))


def issue_link_token(*, contact: Contact, kind: str, now: float | None = None) -> str:
    """A token the customer behind `contact` (signed in on the widget) takes to a channel
    of `kind`."""
    if kind not in LINKABLE_KINDS:
        raise ValidationFailed.field("kind", _("Unknown identity kind."))
    expires = int(now if now is not None else time.time()) + link_token_seconds()
    body = _LAYOUT.pack(contact.pk, expires)
    mac = _mac(account_id=contact.account_id, kind=kind, body=body)
    return base64.urlsafe_b64encode(body + mac).decode().rstrip("=")


def read_link_token(
    *, account_id: int, kind: str, token: str, now: float | None = None
) -> tuple[int, int]:
    """(contact id, expiry) of a valid, unexpired token; ValidationFailed otherwise. Does
    not consume it."""
    token = (token or "").strip()
    if not 30 <= len(token) <= 64:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as exc:
        raise _invalid() from exc
    if len(raw) != _LAYOUT.size + _MAC_BYTES:
        raise _invalid()
    body, mac = raw[: _LAYOUT.size], raw[_LAYOUT.size :]
    if not hmac.compare_digest(mac, _mac(account_id=account_id, kind=kind, body=body)):
        raise _invalid()
    contact_id, expires = _LAYOUT.unpack(body)
    if expires < (now if now is not None else time.time()):
        raise _invalid()
    return contact_id, expires


def do_redeem_link_token(
    *,
    account_id: int,
    kind: str,
    value: str,
    token: str,
    actor: Actor | None = None,
    now: float | None = None,
) -> contact_services.ProvenLink:
    """A channel received `token` from the sender whose identity is (`kind`, `value`):
    that identity becomes the widget contact's (proven). A token is single-use, bound to
    its account and kind, and expires (`IDENTITY_LINK_TOKEN_SECONDS`, 15 minutes)."""
    contact_id, expires = read_link_token(account_id=account_id, kind=kind, token=token, now=now)
    contact = Contact.objects.filter(pk=contact_id, account_id=account_id).first()
    if contact is None:  # erased meanwhile
        raise _invalid()
    merged_into = (contact.attributes or {}).get("merged_into_contact_id")
    if isinstance(merged_into, int):
        contact = Contact.objects.filter(pk=merged_into, account_id=account_id).first() or contact
    remaining = max(1, int(expires - (now if now is not None else time.time())) + 1)
    # cache.add is atomic (Redis SET NX in scale-out): only the first redemption passes.
    if not cache.add(f"identity-link:{token}", 1, timeout=remaining):
        raise _invalid()
    return contact_services.do_link_proven_identity(
        contact=contact, kind=kind, value=value, proof="widget_link", actor=actor
    )
