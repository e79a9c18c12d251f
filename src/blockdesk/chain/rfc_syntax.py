"""Syntax checks from RFC 3986 (URI, authority) and RFC 3339 (date-time) needed by EIP-4361.

Strict on purpose: SIWE messages are machine-made, so anything off-grammar is suspect.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, datetime, timedelta, timezone

_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_QUERY = rf"(?:{_PCHAR}|[/?])*"
SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*")

_AUTHORITY_RE = re.compile(
    rf"(?:(?P<userinfo>(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*)@)?"
    rf"(?P<host>\[[^\[\]]*\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)"
    r"(?::(?P<port>[0-9]*))?"
)
_IPVFUTURE_RE = re.compile(rf"v[0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+", re.IGNORECASE)

# pchar never contains "/", so the repetitions below cannot backtrack catastrophically.
_URI_RE = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+\-.]*):"
    r"(?:"
    rf"//(?P<authority>[^/?#]*)(?:/{_PCHAR}*)*"  # "//" authority path-abempty
    rf"|/(?:{_PCHAR}+(?:/{_PCHAR}*)*)?"  # path-absolute
    rf"|{_PCHAR}+(?:/{_PCHAR}*)*"  # path-rootless
    r"|"  # path-empty
    r")"
    rf"(?:\?{_QUERY})?(?:#{_QUERY})?"
)


def _valid_ip_literal(host: str) -> bool:
    inner = host[1:-1]
    if _IPVFUTURE_RE.fullmatch(inner):
        return True
    # Zone ids ("%25eth0", RFC 6874) are out of scope for web origins; ipaddress accepts
    # "%scope" forms, so reject them explicitly.
    if "%" in inner:
        return False
    try:
        ipaddress.IPv6Address(inner)
    except ValueError:
        return False
    return True


def is_authority(text: str, *, require_host: bool = True) -> bool:
    """RFC 3986 ``authority``: ``[userinfo "@"] host [":" port]``."""
    match = _AUTHORITY_RE.fullmatch(text)
    if match is None:
        return False
    host = match["host"]
    if host.startswith("["):
        return _valid_ip_literal(host)
    return bool(host) or not require_host


def is_uri(text: str) -> bool:
    """RFC 3986 absolute ``URI`` (scheme required; fragment allowed)."""
    match = _URI_RE.fullmatch(text)
    if match is None:
        return False
    authority = match["authority"]
    # An empty host is legal in general URIs ("file:///x"), so only the structure is checked.
    return authority is None or is_authority(authority, require_host=False)


_DATETIME_RE = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[Tt]"
    r"(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:\.(?P<frac>\d+))?"
    r"(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<oh>\d{2}):(?P<om>\d{2}))"
)


def parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 ``date-time`` into an aware datetime.

    Raises ``ValueError`` for bad syntax and impossible dates (e.g. 31 February). Leap seconds
    (":60") are rejected because ``datetime`` cannot represent them.
    """
    match = _DATETIME_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 date-time: {text!r}")
    if match["z"]:
        tz: timezone = UTC
    else:
        oh, om = int(match["oh"]), int(match["om"])
        if oh > 23 or om > 59:
            raise ValueError("bad UTC offset")
        delta = timedelta(hours=oh, minutes=om)
        tz = timezone(-delta if match["sign"] == "-" else delta)
    micro = int((match["frac"] or "0")[:6].ljust(6, "0"))
    return datetime(
        int(match["y"]),
        int(match["mo"]),
        int(match["d"]),
        int(match["h"]),
        int(match["mi"]),
        int(match["s"]),
        micro,
        tzinfo=tz,
    )
