"""Small typed clients for the chain APIs the diagnosis reads (EVM JSON-RPC, Esplora, TRON HTTP).

Endpoint URLs may carry API keys: nothing here puts a URL into an exception message or a log
line except through :func:`mask_url`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from urllib.parse import urlsplit

import httpx

from blockdesk.common.netguard import UnsafeTarget, pinned_client

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

# httpx logs every request with its full URL at INFO ("HTTP Request: POST https://..."), which
# would put provider API keys into the logs. Endpoints the chain clients use are registered
# here and masked in httpx's records; other users of httpx are left alone.
_endpoints: set[str] = set()
_lock = threading.Lock()


class ChainApiError(Exception):
    """Base class; messages never contain an unmasked URL."""


class RpcUnavailable(ChainApiError):
    """The endpoint could not be reached or answered garbage (network, HTTP status, JSON)."""


class RpcError(ChainApiError):
    """A well-formed JSON-RPC error object."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"JSON-RPC error {code}: {message}")
        self.code = code
        self.rpc_message = message
        self.data = data


def mask_url(url: str) -> str:
    """Scheme and host only: paths, queries and user info often hold API keys."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "****"
    if not parts.scheme or not parts.hostname:
        return "****"
    port = f":{parts.port}" if parts.port else ""
    rest = "/****" if (parts.path not in ("", "/") or parts.query or parts.username) else ""
    return f"{parts.scheme}://{parts.hostname}{port}{rest}"


class _MaskEndpoints(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and _endpoints:
            record.args = tuple(
                mask_url(str(arg)) if _is_endpoint(str(arg)) else arg for arg in record.args
            )
        return True


def _is_endpoint(text: str) -> bool:
    return any(text.startswith(endpoint) for endpoint in tuple(_endpoints))


_filter = _MaskEndpoints()


def register_endpoints(urls: list[str]) -> None:
    """Call before using ``urls``: their appearance in httpx's log records gets masked."""
    with _lock:
        _endpoints.update(u.strip().rstrip("/") for u in urls if u.strip())
        httpx_logger = logging.getLogger("httpx")
        if _filter not in httpx_logger.filters:
            httpx_logger.addFilter(_filter)


def describe_http_error(exc: Exception) -> str:
    """A loggable description of an httpx failure (its own message may quote the URL)."""
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, UnsafeTarget):
        return f"refused by the address guard: {exc}"
    return type(exc).__name__


# What a failing endpoint may raise; the clients then move on to the next URL.
ENDPOINT_ERRORS = (httpx.HTTPError, httpx.InvalidURL, UnsafeTarget)


def open_http_client(
    *,
    allow_private: bool,
    timeout: httpx.Timeout | float,
    transport: httpx.BaseTransport | None,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    """An httpx client for endpoint URLs an admin gave: every request passes the outbound-
    address guard and goes to the checked address (blockdesk.common.netguard). A transport
    passed in (tests: httpx.MockTransport) replaces the network, so it skips the guard."""
    if transport is not None:
        return httpx.Client(timeout=timeout, transport=transport, headers=headers)
    return pinned_client(allow_private=allow_private, timeout=timeout, headers=headers)
