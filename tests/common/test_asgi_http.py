"""The HTTP side of blockdesk.asgi: one thread hop per request into a fixed pool of request
threads that keep their database connections, streaming bodies, errors; and pushes queued
to the event loop in the order they were made (common/asgi_http.py, common/realtime.py)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
from channels.layers import get_channel_layer
from django.core import signals
from django.test import override_settings

from blockdesk.common import realtime
from blockdesk.common.asgi_http import SyncChainASGIHandler

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def handler() -> Any:
    with override_settings(ROOT_URLCONF="tests.common.asgi_urls"):
        app = SyncChainASGIHandler(threads=2)
        yield app
        app.executor.shutdown(wait=True)


async def _get(app: Any, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path)


async def test_a_request_runs_in_one_pool_thread_that_keeps_its_connection(handler: Any) -> None:
    started: list[str] = []

    def on_start(**kwargs: Any) -> None:
        started.append(threading.current_thread().name)

    signals.request_started.connect(on_start)
    try:
        answers = [(await _get(handler, "/where")).json() for _ in range(6)]
    finally:
        signals.request_started.disconnect(on_start)
    # The signal, the chain and the view ran in the same request thread (one hop).
    assert all(a["thread"].startswith("request") for a in answers)
    assert [a["thread"] for a in answers] == started
    assert len({a["thread"] for a in answers}) <= 2  # a fixed pool, not a thread a request
    from django.db import connection

    if connection.vendor == "sqlite":  # PostgreSQL's go back to its pool after a request
        by_thread: dict[str, set[int]] = {}
        for a in answers:
            by_thread.setdefault(a["thread"], set()).add(a["connection"])
        assert all(len(ids) == 1 for ids in by_thread.values()), by_thread
    # The chain is sync: no middleware bounced between the loop and a thread.
    assert not asyncio.iscoroutinefunction(handler._middleware_chain)


async def test_a_streaming_body_that_reads_the_database_is_sent_whole(handler: Any) -> None:
    response = await _get(handler, "/stream")
    assert response.status_code == 200
    assert response.text == "0\n1\n2\n"


async def test_a_failing_view_is_a_500_and_the_pool_goes_on(handler: Any) -> None:
    assert (await _get(handler, "/boom")).status_code == 500
    assert (await _get(handler, "/where")).status_code == 200


async def test_pushes_from_a_thread_arrive_in_the_order_they_were_made() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("asgi-test", channel)
    realtime._publisher.bind(asyncio.get_running_loop())

    def push_many() -> None:
        for n in range(50):
            realtime._send(["asgi-test"], {"n": n})

    thread = threading.Thread(target=push_many)
    thread.start()
    got = [
        (await asyncio.wait_for(layer.receive(channel), timeout=10))["event"]["n"]
        for _ in range(50)
    ]
    thread.join()
    assert got == list(range(50))


async def test_a_burst_of_pushes_goes_to_a_batching_layer_in_one_call(monkeypatch) -> None:
    """With a layer that can send many at once (the Redis one pipelines them), the pushes
    queued while the loop was busy go in one call, in order, one per group."""
    calls: list[list[tuple[str, int]]] = []

    class Batching:
        async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
            calls.append([(group, message["event"]["n"]) for group, message in sends])

    monkeypatch.setattr(realtime, "get_channel_layer", lambda: Batching())
    realtime._publisher.bind(asyncio.get_running_loop())
    # Queued from this thread while the loop is busy (it is running this test).
    for n in range(3):
        realtime._send(["inbox.1", "contact.2"], {"n": n})
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert calls == [[(g, n) for n in range(3) for g in ("inbox.1", "contact.2")]]


async def test_a_requests_pushes_wait_for_its_end_then_leave_together(monkeypatch) -> None:
    """Pushes made while a request thread holds them are queued in order but wake the
    loop only when the server releases them (after the view), in one burst."""
    calls: list[list[int]] = []

    class Batching:
        async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
            calls.append([message["event"]["n"] for _group, message in sends])

    monkeypatch.setattr(realtime, "get_channel_layer", lambda: Batching())
    realtime._publisher.bind(asyncio.get_running_loop())

    def request() -> None:
        with realtime.holding_pushes():
            for n in range(4):
                realtime._send(["inbox.1"], {"n": n})

    await asyncio.to_thread(request)
    await asyncio.sleep(0.05)
    assert calls == []  # queued, the loop not woken
    realtime.release_pushes()
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert calls == [[0, 1, 2, 3]]
    realtime.release_pushes()  # nothing left: nothing sent
    await asyncio.sleep(0.02)
    assert len(calls) == 1


def test_without_a_running_loop_a_push_is_sent_at_once() -> None:
    # A management command or a task worker: no loop of a server to queue on.
    closed = asyncio.new_event_loop()
    realtime._publisher.bind(closed)
    closed.close()
    assert realtime._publisher.submit(["g"], {"type": "broadcast"}) is False
