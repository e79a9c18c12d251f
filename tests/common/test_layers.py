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
