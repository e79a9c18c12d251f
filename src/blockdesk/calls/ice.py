"""The STUN/TURN servers the browsers use, from the environment.

`BLOCKDESK_ICE_SERVERS` is a JSON list of RTCIceServer objects (static servers, e.g. a
public STUN server). With `BLOCKDESK_TURN_URLS` and `BLOCKDESK_TURN_SECRET`, each call also
gets a TURN server with short-lived credentials in coturn's "TURN REST API" scheme
(`use-auth-secret` / `static-auth-secret`): username `<expiry unix time>:<label>`,
password base64(HMAC-SHA1(secret, username)). coturn recomputes the password from the
shared secret, so nothing is stored and a leaked credential stops working at expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_ALLOWED_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")


def turn_credentials(
    *, secret: str, label: str, ttl: int, now: float | None = None
) -> dict[str, str]:
    expiry = int((time.time() if now is None else now) + ttl)
    username = f"{expiry}:{label}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return {"username": username, "credential": base64.b64encode(digest).decode("ascii")}


def _urls(value: Any) -> list[str]:
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list) or not urls:
        raise ImproperlyConfigured("BLOCKDESK_ICE_SERVERS: each server needs urls")
    for url in urls:
        if not isinstance(url, str) or not url.startswith(_ALLOWED_SCHEMES):
            raise ImproperlyConfigured(f"BLOCKDESK_ICE_SERVERS: not a STUN/TURN URL: {url!r}")
    return urls


def static_servers(raw: str | None = None) -> list[dict[str, Any]]:
    """The configured static servers, checked: a typo fails at start-up (checks.py),
    not in a customer's browser."""
    text = settings.CALLS_ICE_SERVERS if raw is None else raw
    try:
        data = json.loads(text or "[]")
    except ValueError as exc:
        raise ImproperlyConfigured(f"BLOCKDESK_ICE_SERVERS is not JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ImproperlyConfigured("BLOCKDESK_ICE_SERVERS must be a JSON list")
    servers = []
    for item in data:
        if not isinstance(item, dict):
            raise ImproperlyConfigured("BLOCKDESK_ICE_SERVERS: each server is an object")
        server: dict[str, Any] = {"urls": _urls(item.get("urls"))}
        for key in ("username", "credential"):
            if isinstance(item.get(key), str):
                server[key] = item[key]
        servers.append(server)
    return servers


def ice_servers(*, label: str, now: float | None = None) -> list[dict[str, Any]]:
    """What a browser passes to RTCPeerConnection for one call (`label` names the call
    in coturn's logs; no personal data)."""
    servers = static_servers()
    turn_urls = [u for u in settings.CALLS_TURN_URLS if u]
    if turn_urls and settings.CALLS_TURN_SECRET:
        creds = turn_credentials(
            secret=settings.CALLS_TURN_SECRET, label=label, ttl=settings.CALLS_TURN_TTL, now=now
        )
        servers.append({"urls": _urls(turn_urls), **creds})
    return servers
