"""Does a checked value match a reported scam? Pure: the parsed value and the rows in.

Exact matches only (after normalisation), plus a host under a reported domain
("login.evil.io" when "evil.io" was reported) and a mailbox at a reported domain: a
scammer's whole domain is theirs. Similar-looking values are the lookalike check's job."""

from __future__ import annotations

from collections.abc import Iterable

from blockdesk.trust.models import ReportedScam
from blockdesk.trust.normalize import Kind, Parsed

S = ReportedScam.Kind
_KIND = {
    Kind.DOMAIN: S.DOMAIN,
    Kind.EMAIL: S.EMAIL,
    Kind.HANDLE: S.HANDLE,
    Kind.PHONE: S.PHONE,
    Kind.ADDRESS: S.ADDRESS,
}


def scam_kind(parsed: Parsed) -> str | None:
    """The ReportedScam kind a parsed value is stored as (None: not reportable)."""
    return _KIND.get(parsed.kind)


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def find_reported(query: Parsed, scams: Iterable[ReportedScam]) -> ReportedScam | None:
    """The first report matching the value: the account's own before a peer's."""
    hits: list[ReportedScam] = []
    host = query.host.ascii if query.host is not None else ""
    for scam in scams:
        exact = scam.kind == _KIND.get(query.kind) and scam.value == query.value
        if exact or (scam.kind == S.DOMAIN and host and _under(host, scam.value)):
            hits.append(scam)
    if not hits:
        return None
    return min(hits, key=lambda s: (not s.is_own, s.pk or 0))
