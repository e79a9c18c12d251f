"""The operations middleware, right after the security headers in settings.MIDDLEWARE.

- Answers the probes and `/metrics` itself, before sessions, locale, CSRF, authentication
  and two-factor run: a probe costs no session read and no rate-limit counter.
- Times every other request for the latency histogram (when metrics are on).
- Turns a database or Redis outage raised by a view into 503/507 (`faults.py`); a fault raised by
  a later middleware reaches `faults.server_error` (handler500) instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from blockdesk.ops import faults, health, metrics

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": health.healthz,
    "/readyz": health.readyz,
    "/metrics": metrics.metrics_view,
}


class OpsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        if not metrics.enabled():
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = (match.view_name if match is not None else "") or "unmatched"
        metrics.observe_request(
            route, request.method or "", response.status_code, time.perf_counter() - started
        )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if faults.is_outage(exception):
            return faults.fault_response(request, exception)
        return None
