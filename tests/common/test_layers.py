from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from blockdesk.common import layers as layers_module
from blockdesk.common.layers import LocalChannelLayer
from tests.conftest import require_or_skip
from tests.support.live_server import redis_available

REDIS = "redis://127.0.0.1:6379/15"


async def test_group_send_reaches_members_and_skips_full_channels(caplog):
    layer = LocalChannelLayer(capacity=1)
    a = await layer.new_channel()
    b = await layer.new_channel()
    await layer.group_add("inbox.1", a)
    await layer.group_add("inbox.1", b)
    await layer.group_send("inbox.1", {"type": "x", "n": 1})
    assert (await layer.receive(a))["n"] == 1
    # b still holds the first event: the second one is dropped for b, loudly, but not for a.
    await layer.group_send("inbox.1", {"type": "x", "n": 2})
    assert (await asyncio.wait_for(layer.receive(a), 1))["n"] == 2
    assert "dropped" in caplog.text


async def test_memberships_do_not_expire_after_a_day():
    layer = LocalChannelLayer()
    assert layer.group_expiry > 365 * 24 * 3600


class _CountingDict(dict):  # type: ignore[type-arg]
    """A dict that counts the walks over it (items / values)."""

    walks = 0

    def items(self):  # type: ignore[no-untyped-def]
        type(self).walks += 1
        return super().items()

    def values(self):  # type: ignore[no-untyped-def]
        type(self).walks += 1
        return super().values()


async def test_expiry_looks_only_at_channels_sent_something(monkeypatch):
    """Every idle socket keeps a receive queue and a group of its own: the once-a-second
    expiry must not walk them all (upstream's did, ~36 ms a second at 10,000 sockets)."""
    layer = LocalChannelLayer(expiry=60)
    idle = [await layer.new_channel() for _ in range(50)]
    for i, channel in enumerate(idle):
        layer.channels.setdefault(channel, asyncio.Queue())  # what a waiting receive leaves
        await layer.group_add(f"contact.{i}", channel)
    quiet, forgotten = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("inbox.1", quiet)
    await layer.group_add("inbox.1", forgotten)
    await layer.group_send("inbox.1", {"type": "x"})
    assert (await layer.receive(quiet))["type"] == "x"  # read: nothing left to expire

    layer.channels = _CountingDict(layer.channels)
    layer.groups = _CountingDict(layer.groups)
    _CountingDict.walks = 0
    layer._last_clean = 0.0
    later = time.time() + 61
    monkeypatch.setattr(layers_module.time, "time", lambda: later)
    layer._clean_expired()

    assert _CountingDict.walks == 1  # the groups, once, for the one expired message
    assert forgotten not in layer.channels  # its message expired: nobody was reading it
    assert forgotten not in layer.groups["inbox.1"] and quiet in layer.groups["inbox.1"]
    assert all(channel in layer.channels for channel in idle)  # idle sockets untouched
    assert all(layer.groups[f"contact.{i}"] for i in range(len(idle)))


async def test_a_message_not_yet_expired_is_looked_at_again():
    layer = LocalChannelLayer(expiry=60)
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "x"})
    layer._last_clean = 0.0
    layer._clean_expired()  # not expired yet: kept, and remembered for the next clean
    assert channel in layer._sent_to
    assert (await layer.receive(channel))["type"] == "x"


async def test_a_configured_group_expiry_walks_the_groups_as_upstream(monkeypatch):
    layer = LocalChannelLayer(group_expiry=60)
    channel = await layer.new_channel()
    await layer.group_add("inbox.1", channel)
    later = time.time() + 120
    monkeypatch.setattr(layers_module.time, "time", lambda: later)
    monkeypatch.setattr("channels.layers.time.time", lambda: later)
    layer._last_clean = 0.0
    layer._clean_expired()
    assert not layer.groups.get("inbox.1")


async def test_events_from_a_worker_thread_reach_sockets_on_the_server_loop():
    """The embedded task worker runs in a thread with its own event loop; what it
    publishes must still reach sockets served by the server's loop."""
    import threading

    from asgiref.sync import async_to_sync

    layer = LocalChannelLayer()
    channel = await layer.new_channel()
    await layer.group_add("contact.1", channel)

    def worker() -> None:
        async_to_sync(layer.group_send)("contact.1", {"type": "broadcast", "n": 7})

    # The socket is already waiting, as a live consumer is: a put from the wrong thread
    # would not wake it (it did not, before the hand-over).
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0.05)
    thread = threading.Thread(target=worker)
    thread.start()
    message = await asyncio.wait_for(waiting, 1)
    thread.join(5)
    assert message["n"] == 7


@pytest.mark.redis
async def test_a_burst_to_redis_arrives_in_order_in_one_round_trip():
    """The Redis pub/sub layer publishes a burst with one command (a script); a socket in
    several of its groups hears every push, in the order sent, also after the server
    forgot the script (a restart)."""
    require_or_skip(redis_available(REDIS), f"Redis is needed at {REDIS}")
    from blockdesk.common.redis_layer import RedisPubSubLayer

    layer = RedisPubSubLayer(hosts=[REDIS], prefix=f"test-{uuid.uuid4().hex[:8]}")
    try:
        channel = await layer.new_channel()
        await layer.group_add("inbox.1", channel)
        await layer.group_add("contact.2", channel)
        burst = [
            ("inbox.1", {"type": "broadcast", "n": 1}),
            ("nobody.3", {"type": "broadcast", "n": 0}),
            ("contact.2", {"type": "broadcast", "n": 2}),
            ("inbox.1", {"type": "broadcast", "n": 3}),
        ]
        commands: list[object] = []
        shard = layer._get_layer()._get_shard("x")  # one host: one shard
        shard._ensure_redis()
        await shard._redis.script_flush()  # as after a restart: the first call loads it
        real_execute = shard._redis.execute_command

        async def counting(*args: object, **kwargs: object) -> object:
            commands.append(args[0])
            return await real_execute(*args, **kwargs)

        shard._redis.execute_command = counting
        await layer.group_send_many(burst)
        got = [(await asyncio.wait_for(layer.receive(channel), 5))["n"] for _ in range(3)]
        assert got == [1, 2, 3]
        assert commands == ["EVALSHA", "SCRIPT LOAD", "EVALSHA"]
        commands.clear()
        await layer.group_send_many(burst[::-1])
        got = [(await asyncio.wait_for(layer.receive(channel), 5))["n"] for _ in range(3)]
        assert got == [3, 2, 1]
        assert commands == ["EVALSHA"]  # one command for the whole burst
    finally:
        await layer.flush()


@pytest.fixture
def own_publisher(settings, monkeypatch):  # type: ignore[no-untyped-def]
    """The scale-out layer (Redis) and a fresh publisher in place of the process's; its
    own loop, if started, stopped afterwards."""
    from blockdesk.common import realtime

    require_or_skip(redis_available(REDIS), f"Redis is needed at {REDIS}")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "blockdesk.common.redis_layer.RedisPubSubLayer",
            "CONFIG": {"hosts": [REDIS], "prefix": f"test-{uuid.uuid4().hex[:8]}"},
        }
    }
    publisher = realtime._Publisher()
    monkeypatch.setattr(realtime, "_publisher", publisher)
    yield publisher
    publisher.flush(2)
    if publisher._own_loop is not None:
        publisher._own_loop.call_soon_threadsafe(publisher._own_loop.stop)


async def _listening(group: str):  # type: ignore[no-untyped-def]
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return layer, channel


async def _heard(layer, channel, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    return [(await asyncio.wait_for(layer.receive(channel), 5))["event"]["n"] for _ in range(count)]


@pytest.mark.redis
async def test_pushes_from_a_process_without_a_server_loop_use_one_loop_of_its_own(
    own_publisher, monkeypatch
):
    """A task worker on Redis has no server loop: its pushes go through a loop thread of
    its own (one lasting connection, a pipeline per burst) instead of a new loop and
    Redis connection per push (async_to_sync), and arrive in order."""
    import threading

    from asgiref.sync import async_to_sync

    from blockdesk.common import realtime

    fallbacks: list[object] = []
    monkeypatch.setattr(
        realtime, "async_to_sync", lambda f: fallbacks.append(f) or async_to_sync(f)
    )
    layer, channel = await _listening("inbox.77")

    def task_worker() -> None:  # a thread without a running loop, as db_worker's
        for n in range(3):
            realtime._send(["inbox.77"], {"n": n})

    try:
        for _round in range(2):  # later pushes: the same loop
            thread = threading.Thread(target=task_worker)
            thread.start()
            thread.join(5)
            assert await _heard(layer, channel, 3) == [0, 1, 2]
            own = own_publisher._own_loop
            assert own is not None and own.is_running() and own_publisher._loop is own
        assert fallbacks == []
    finally:
        await layer.flush()


@pytest.mark.redis
async def test_pushes_queued_on_the_own_loop_go_out_from_a_server_loop_bound_later(
    own_publisher,
):
    """A server loop bound while the process's own loop still holds pushes (a web worker
    that published before its first request): they are sent once, from the server's."""
    import threading

    layer, channel = await _listening("inbox.78")
    release = threading.Event()
    try:
        thread = threading.Thread(target=own_publisher.start_own_loop)
        thread.start()
        thread.join(5)
        own = own_publisher._own_loop
        assert own is not None
        own.call_soon_threadsafe(release.wait, 5)  # the own loop is busy: nothing drains
        for n in range(2):
            assert own_publisher.submit(["inbox.78"], {"type": "broadcast", "event": {"n": n}})
        own_publisher.bind(asyncio.get_running_loop())  # the server's loop takes over
        assert await _heard(layer, channel, 2) == [0, 1]
        release.set()  # the own loop's drain, if any, must not send them again
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(layer.receive(channel), 0.3)
    finally:
        release.set()
        await layer.flush()
