"""Signed links in emails: unsubscribe from the welcome sequence (no expiry: an old email's
link must still work), and a registration's calendar file."""

from __future__ import annotations

from django.core import signing

from blockdesk.common.errors import NotFound

_UNSUBSCRIBE = "blockdesk.education.unsubscribe"


def unsubscribe_token(enrollment_id: int) -> str:
    return signing.dumps(enrollment_id, salt=_UNSUBSCRIBE, compress=False)


def read_unsubscribe_token(token: str) -> int:
    try:
        value = signing.loads(token[:200], salt=_UNSUBSCRIBE)
    except signing.BadSignature as exc:
        raise NotFound() from exc
    if not isinstance(value, int):
        raise NotFound()
    return value
