"""Sender authenticity from Authentication-Results (RFC 8601), parsed with `authres`
(the dkimpy authors' parser of that header's grammar).

Anyone can write an Authentication-Results header into a mail, so only the one our own
receiving server added counts: the header whose authserv-id is the inbox's
`trusted_authserv_id`, or without one configured the topmost header (the last hop, which
is our server; a forged header sits below it)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from email.message import EmailMessage

import authres

logger = logging.getLogger(__name__)

_METHODS = ("spf", "dkim", "dmarc")


@dataclass(frozen=True)
class Authenticity:
    spf: str = "none"
    dkim: str = "none"
    dmarc: str = "none"
    authserv_id: str = ""
    # The From domain is ours and DMARC failed: someone wrote as us.
    impersonation: bool = False

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _results(header_value: str) -> tuple[str, dict[str, str]] | None:
    try:
        parsed = authres.AuthenticationResultsHeader.parse(
            "Authentication-Results: " + " ".join(header_value.split())
        )
    except (authres.AuthResError, ValueError):  # malformed: no verdict, not a failure
        return None
    found: dict[str, str] = {}
    for result in parsed.results:
        method = str(result.method).lower()
        if method in _METHODS and method not in found:
            found[method] = str(result.result).lower()
        elif method in _METHODS and found[method] == "pass" and result.result != "pass":
            found[method] = str(result.result).lower()  # any failing signature counts
    return str(parsed.authserv_id or "").lower(), found


def check_authenticity(
    mail: EmailMessage, *, from_domain: str, own_domains: set[str], trusted_authserv_id: str = ""
) -> Authenticity:
    headers = [str(v) for v in mail.get_all("Authentication-Results") or []]
    chosen: tuple[str, dict[str, str]] | None = None
    trusted = trusted_authserv_id.strip().lower()
    for value in headers:
        parsed = _results(value)
        if parsed is None:
            continue
        if not trusted or parsed[0] == trusted:
            chosen = parsed
            break
        # A header with another authserv-id is someone else's claim: ignored.
    if chosen is None:
        return Authenticity()
    authserv_id, found = chosen
    dmarc = found.get("dmarc", "none")
    return Authenticity(
        spf=found.get("spf", "none"),
        dkim=found.get("dkim", "none"),
        dmarc=dmarc,
        authserv_id=authserv_id[:255],
        impersonation=dmarc == "fail" and from_domain.lower() in own_domains,
    )
