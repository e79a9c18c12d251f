"""Database and Redis outages become answers a client (and a load balancer) can act on.

- PostgreSQL down, restarting or a connection cut (`OperationalError`/`InterfaceError`):
  503 with `Retry-After`, JSON for the API and the widget, a small plain page otherwise.
  Nothing to clean up afterwards: Django opens a new connection on the next request
  (`CONN_HEALTH_CHECKS` and the pool's check throw dead ones away).
- Redis down or restarting (scale-out: the cache, rate limits and sessions' counters):
  503 `service_unavailable` with `Retry-After`; redis-py reconnects by itself, and the
  channel layer re-subscribes its groups (tests/e2e/test_fault_drills.py).
- SQLite full (`database or disk is full`, the disk or `max_page_count`): 507 with a clear
  message. SQLite rolls the transaction back itself, so the database stays intact.

Never an HTML 500 with a traceback for an outage: a client retries a 503, not a 500.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Paths whose clients read JSON (the REST API, the widget's endpoints, the probes).
JSON_PREFIXES = ("/api/", "/widget/", "/wallet/", "/readyz", "/metrics")

_DISK_FULL_MARKERS = ("database or disk is full", "disk full", "no space left on device")


def is_disk_full(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _DISK_FULL_MARKERS)


def is_database_outage(exc: BaseException) -> bool:
    """A database that cannot be reached or cut us off, or a full disk (not a bug in a
    query: those are ProgrammingError/IntegrityError/DataError)."""
    return isinstance(exc, OperationalError | InterfaceError)


def redis_outage_errors() -> tuple[type[Exception], ...]:
    """redis-py's errors for a server that is down, restarting or cut off (the cache and the
    rate limits in scale-out). Imported when asked: the embedded mode has no Redis."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError)


def is_cache_outage(exc: BaseException) -> bool:
    return isinstance(exc, redis_outage_errors())


def is_outage(exc: BaseException) -> bool:
    """A fault outside the code that a retry will get past: 503 (or 507), never a 500."""
    return is_database_outage(exc) or is_cache_outage(exc)


def retry_after_seconds() -> int:
    return int(getattr(settings, "OPS_RETRY_AFTER_SECONDS", 5))


def _wants_json(request: HttpRequest) -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def fault_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The answer to a request that hit a database fault (logged once, without a
    traceback: the cause is outside the code, and the message names it)."""
    if is_disk_full(exc):
        status, code = 507, "storage_full"
        message = _(
            "The server's storage is full: nothing was saved. Try again after an "
            "administrator frees space."
        )
    elif is_cache_outage(exc):
        status, code = 503, "service_unavailable"
        message = _("The service is briefly unavailable. Please try again in a moment.")
    else:
        status, code = 503, "database_unavailable"
        message = _("The service is briefly unavailable. Please try again in a moment.")
    logger.warning(
        "outage on %s %s: %s: %s",
        request.method,
        request.path,
        type(exc).__name__,
        str(exc).splitlines()[0] if str(exc) else "",
    )
    if _wants_json(request):
        body = json.dumps({"error": {"code": code, "message": message}})
        response = HttpResponse(body, status=status, content_type="application/json")
    else:
        # Plain text: no template, no context processor, nothing that needs the database.
        response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after_seconds())
    response["Cache-Control"] = "no-store"
    return response


def register_api_handlers() -> None:
    """Give the REST API's own exception handling the same answer (it would otherwise
    turn every exception into its 500 JSON)."""
    from blockdesk.api.api import api

    def _handler(request: HttpRequest, exc: Any) -> HttpResponse:
        return fault_response(request, exc)

    # redis-py (~9 MB) is imported only where Redis is configured: the embedded mode
    # cannot have a Redis outage.
    outages: tuple[type[Exception], ...] = (
        OperationalError,
        InterfaceError,
        *(redis_outage_errors() if settings.REDIS_URL else ()),
    )
    for exc_class in outages:
        api.add_exception_handler(exc_class, _handler)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """`handler500`: an exception raised in a middleware (the session or the signed-in
    user read before the view) reaches Django's 500 handler, not `process_exception`.
    Django calls this inside its `except` block, so the exception is still current."""
    import sys

    exc = sys.exc_info()[1]
    if exc is not None and is_outage(exc):
        return fault_response(request, exc)
    from django.views.defaults import server_error as default_server_error

    return default_server_error(request)
