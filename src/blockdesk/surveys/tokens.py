"""Signed links to the public rating pages. A token names one offer of one conversation (or
one NPS survey of one contact) and is signed with the site's secret and a purpose-specific
salt, so it cannot be altered, moved to another case, or reused for the other survey. It
expires (``SURVEYS_LINK_MAX_AGE_DAYS``). A replay after an answer is refused by the answer's
one-per-offer constraint, not by the token."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from blockdesk.common.errors import NotFound

_CSAT_SALT = "blockdesk.surveys.csat.v1"
_NPS_SALT = "blockdesk.surveys.nps.v1"


def _max_age() -> int:
    return int(getattr(settings, "SURVEYS_LINK_MAX_AGE_DAYS", 30)) * 86400


def csat_token(*, offer_id: int, conversation_id: int) -> str:
    return signing.dumps({"o": offer_id, "c": conversation_id}, salt=_CSAT_SALT, compress=True)


def read_csat_token(token: str) -> tuple[int, int]:
    """(offer id, conversation id); NotFound for a tampered, foreign or expired token."""
    data = _load(token, _CSAT_SALT)
    return _ids(data, "o", "c")


def nps_token(*, survey_id: int, contact_id: int) -> str:
    return signing.dumps({"s": survey_id, "k": contact_id}, salt=_NPS_SALT, compress=True)


def read_nps_token(token: str) -> tuple[int, int]:
    data = _load(token, _NPS_SALT)
    return _ids(data, "s", "k")


def _ids(data: dict[str, object], first: str, second: str) -> tuple[int, int]:
    a, b = data.get(first), data.get(second)
    if not isinstance(a, int) or not isinstance(b, int):
        raise NotFound()
    return a, b


def _load(token: str, salt: str) -> dict[str, object]:
    if len(token) > 300:
        raise NotFound()
    try:
        data = signing.loads(token, salt=salt, max_age=_max_age())
    except signing.BadSignature as exc:  # SignatureExpired is one
        raise NotFound() from exc
    if not isinstance(data, dict):
        raise NotFound()
    return data
