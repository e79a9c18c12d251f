"""One gate for every user-supplied redirect target (`next=` and the like)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

MAX_LENGTH = 2000


def safe_next(request: HttpRequest, candidate: str | None, fallback: str) -> str:
    """`candidate` when it stays on this site, else `fallback`.

    Accepted: a path starting with one "/" (or an absolute URL on this very host, with
    https when the request is). Refused on top of Django's check, because browsers are more
    lenient than urlsplit: backslashes (`/\\evil`), control characters (browsers drop tabs
    and newlines, turning `/\\t/evil` into `//evil`) and any non-ASCII character
    (full-width slashes and dots that some browsers fold into `//` or `.`)."""
    target = (candidate or "").strip()
    if not target or len(target) > MAX_LENGTH:
        return fallback
    if not target.isascii() or "\\" in target:
        return fallback
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return fallback
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    if not target.startswith("/") and not target.lower().startswith(("http://", "https://")):
        # A relative path like "evil.example/x" or "javascript:…" has no business here.
        return fallback
    return target
