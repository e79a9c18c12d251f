"""Prometheus metrics (`prometheus_client`, the reference client library).

Off unless `BLOCKDESK_METRICS=true`. Recorded in each process:
- `blockdesk_http_request_duration_seconds{route,method,status}`: a histogram per URL
  route name (never the raw path: ids would make the label set unbounded);
- `blockdesk_websockets_open{kind}`: sockets open now (ops.asgi wraps the socket app).

Read from the database when scraped (so every node reports the same figures for them):
- `blockdesk_task_queue_lag_seconds{queue}`: age of the oldest task ready to run;
- `blockdesk_tasks{status}`: task rows by status (a RUNNING row whose worker died stays
  RUNNING until `ops.tasks.requeue_stale_tasks` puts it back);
- `blockdesk_event_consumer_lag_events{consumer}` and `..._lag_seconds{consumer}`: events
  behind each consumer's cursor and the age of its oldest unhandled event;
- `blockdesk_event_consumer_dead{consumer}`;
- `blockdesk_outbound_deliveries{kind,status}`: webhook deliveries and channel deliveries
  (email) by status.

Several worker processes (`serve --workers N`) share one directory
(`PROMETHEUS_MULTIPROC_DIR`, set by settings when metrics are on) and the scrape adds
their files up (multiprocess mode), so one scrape of any worker sees the whole node.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

_MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUEST_SECONDS = Histogram(
    "blockdesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WEBSOCKETS_OPEN = Gauge(
    "blockdesk_websockets_open",
    "WebSocket connections open now.",
    ["kind"],
    multiprocess_mode="livesum",
)


def enabled() -> bool:
    return bool(getattr(settings, "OPS_METRICS_ENABLED", False))


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(route=route, method=method, status=f"{status // 100}xx").observe(seconds)


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time (a few grouped counts)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            yield from self._tasks()
            yield from self._consumers()
            yield from self._deliveries()
        except DatabaseError:
            # The database down or slow: the process figures are still worth scraping.
            logger.warning("metrics: database figures unavailable", exc_info=True)

    def _tasks(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks_db.models import DBTaskResult

        lag = GaugeMetricFamily(
            "blockdesk_task_queue_lag_seconds",
            "Age of the oldest task ready to run (0: none waiting).",
            labels=["queue"],
        )
        now = timezone.now()
        for row in (
            DBTaskResult.objects.ready().values("queue_name").annotate(oldest=Min("enqueued_at"))
        ):
            lag.add_metric([row["queue_name"]], max(0.0, (now - row["oldest"]).total_seconds()))
        yield lag
        by_status = GaugeMetricFamily("blockdesk_tasks", "Task rows by status.", labels=["status"])
        for row in DBTaskResult.objects.values("status").annotate(n=Count("pk")):
            by_status.add_metric([row["status"]], row["n"])
        yield by_status

    def _consumers(self) -> Iterator[GaugeMetricFamily]:
        from blockdesk.events.selectors import consumer_statuses

        behind = GaugeMetricFamily(
            "blockdesk_event_consumer_lag_events",
            "Events readable but not yet handed to the consumer.",
            labels=["consumer"],
        )
        age = GaugeMetricFamily(
            "blockdesk_event_consumer_lag_seconds",
            "Age of the consumer's oldest unhandled event (0: none).",
            labels=["consumer"],
        )
        dead = GaugeMetricFamily(
            "blockdesk_event_consumer_dead",
            "Events that failed too often for the consumer (Settings → Events).",
            labels=["consumer"],
        )
        for status in consumer_statuses():
            behind.add_metric([status.name], status.behind)
            seconds = (
                status.oldest_unhandled_age.total_seconds() if status.oldest_unhandled_age else 0
            )
            age.add_metric([status.name], seconds)
            dead.add_metric([status.name], status.dead)
        yield behind
        yield age
        yield dead

    def _deliveries(self) -> Iterator[GaugeMetricFamily]:
        from blockdesk.connectors.models import OutboundDelivery
        from blockdesk.webhooks.models import WebhookDelivery

        family = GaugeMetricFamily(
            "blockdesk_outbound_deliveries",
            "Outbound deliveries by kind and status.",
            labels=["kind", "status"],
        )
        models: list[tuple[str, Any]] = [
            ("webhook", WebhookDelivery),
            ("channel", OutboundDelivery),
        ]
        for kind, model in models:
            for row in model.objects.values("status").annotate(n=Count("pk")):
                family.add_metric([kind, row["status"]], row["n"])
        yield family


def render() -> bytes:
    registry = CollectorRegistry()
    if _MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        # Only ours: the default registry also holds the client's process collectors.
        for collector in (REQUEST_SECONDS, WEBSOCKETS_OPEN):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def _client_allowed(request: HttpRequest) -> bool:
    token = str(getattr(settings, "OPS_METRICS_TOKEN", "") or "")
    header = request.headers.get("Authorization", "")
    if (
        token
        and header.startswith("Bearer ")
        and hmac.compare_digest(header[7:].strip().encode(), token.encode())
    ):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    for item in getattr(settings, "OPS_METRICS_ALLOW_IPS", ()):
        try:
            if address in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not enabled():
        return HttpResponse(status=404)
    if not _client_allowed(request):
        return HttpResponse(status=403)
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
