"""/metrics: off by default, guarded, and the figures it promises."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from blockdesk.common import logfilters
from blockdesk.conversations import services
from blockdesk.ops import metrics
from blockdesk.ops.asgi import count_websockets
from blockdesk.ops.logformat import JsonFormatter
from tests.support.live_server import REPO


def _samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_are_off_by_default():
    assert Client().get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_need_an_allowed_address_or_the_token(settings):
    settings.OPS_METRICS_ENABLED = True
    settings.OPS_METRICS_ALLOW_IPS = ["10.0.0.0/8"]
    settings.OPS_METRICS_TOKEN = "s3cret-token"
    assert Client().get("/metrics").status_code == 403  # the test client is 127.0.0.1
    wrong = Client(headers={"Authorization": "Bearer nope"}).get("/metrics")
    assert wrong.status_code == 403
    right = Client(headers={"Authorization": "Bearer s3cret-token"}).get("/metrics")
    assert right.status_code == 200
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200


# Committed: on PostgreSQL the log shows consumers only events of finished transactions.
@pytest.mark.django_db(transaction=True)
def test_metrics_report_latency_lag_and_deliveries(settings, channel, contact):
    settings.OPS_METRICS_ENABLED = True
    services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hello"
    )
    client = Client()
    assert client.get("/api/v1/conversations").status_code == 401  # a routed request
    samples = _samples(client.get("/metrics").content)
    assert any(
        name == "blockdesk_http_request_duration_seconds_count" and dict(labels)["route"] != ""
        for name, labels in samples
    )
    lag = {
        dict(labels)["consumer"]: value
        for (name, labels), value in samples.items()
        if name == "blockdesk_event_consumer_lag_events"
    }
    assert {"webhooks.fan_out", "records.case_steps"} <= set(lag)
    if connection.vendor == "sqlite":
        # The message's events wait for the consumers (no dispatcher runs in this test).
        # On PostgreSQL they may not be readable yet: a transaction anywhere in the shared
        # cluster holds the snapshot back (docs/events.md, "Ordering on PostgreSQL").
        assert lag["webhooks.fan_out"] >= 1 and lag["records.case_steps"] >= 1
    assert ("blockdesk_task_queue_lag_seconds", ()) not in samples  # labelled by queue
    names = {name for name, _labels in samples}
    assert "blockdesk_event_consumer_lag_seconds" in names


def test_open_websockets_are_counted(settings):
    settings.OPS_METRICS_ENABLED = True
    seen = []

    async def app(scope, receive, send):
        await send({"type": "websocket.accept"})
        seen.append(metrics.WEBSOCKETS_OPEN.labels(kind="agent")._value.get())
        await send({"type": "websocket.close"})

    async def send(message):
        return None

    async def receive():
        return {"type": "websocket.connect"}

    before = metrics.WEBSOCKETS_OPEN.labels(kind="agent")._value.get()
    asyncio.run(count_websockets(app)({"type": "websocket", "path": "/ws/agent/"}, receive, send))
    assert seen == [before + 1]
    assert metrics.WEBSOCKETS_OPEN.labels(kind="agent")._value.get() == before


WORKER = """
import django
django.setup()
from blockdesk.ops import metrics
for _ in range({n}):
    metrics.observe_request("rest:list", "GET", 200, 0.01)
"""


@pytest.mark.slow
def test_several_workers_add_up(tmp_path):
    """Multiprocess mode: two worker processes write, a scrape of a third sees both."""
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "blockdesk.settings",
        "BLOCKDESK_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(REPO / "src"),  # this checkout's code, whatever the venv points at
    }
    for n in (3, 2):
        subprocess.run(
            [sys.executable, "-c", WORKER.format(n=n)], env=env, cwd=REPO, check=True, timeout=120
        )
    scrape = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django\ndjango.setup()\nfrom prometheus_client import CollectorRegistry,"
            " generate_latest, multiprocess\nr = CollectorRegistry()\n"
            "multiprocess.MultiProcessCollector(r)\nprint(generate_latest(r).decode())",
        ],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    samples = _samples(scrape.stdout.encode())
    key = (
        "blockdesk_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "rest:list"), ("status", "2xx")),
    )
    assert samples[key] == 5


def test_json_logs_keep_the_query_string_filter():
    logfilters.install()
    logger = logging.getLogger("django.request")
    records = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Capture()
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    try:
        logger.warning("Not Found: %s", "/verify/?value=abandon+abandon+about")
    finally:
        logger.removeHandler(handler)
    line = json.loads(records[-1])
    assert line["message"] == "Not Found: /verify/"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert "abandon" not in records[-1]
