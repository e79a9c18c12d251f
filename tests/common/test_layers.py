from __future__ import annotations

import asyncio

from blockdesk.common.layers import LocalChannelLayer


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
