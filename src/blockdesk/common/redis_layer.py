"""The scale-out channel layer: channels_redis' pub/sub layer with bursts. Its own module
so that the embedded mode (common/layers.py) does not import redis-py."""

from __future__ import annotations

from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer
from redis.commands.core import AsyncScript

# PUBLISH each (channel, data) pair in order: a burst is one command to pack and one reply
# to parse, where a pipeline of N PUBLISH cost redis-py N of each (issue 17).
_PUBLISH_LUA = """
for i, channel in ipairs(KEYS) do
  redis.call('PUBLISH', channel, ARGV[i])
end
return #KEYS
"""
# redis-py's script object: EVALSHA, and the script loaded again by a server that lost it.
_PUBLISH = AsyncScript(None, _PUBLISH_LUA.encode())  # type: ignore[arg-type]  # (client at each call)


class RedisPubSubLayer(RedisPubSubChannelLayer):
    """channels_redis' pub/sub layer, plus `group_send_many`: a burst of pushes (a
    customer's message goes to its inbox and its contact, the case's update to both)
    published by one script call per Redis shard, one round trip instead of one per push
    (each cost the event loop ~0.1-0.2 ms of redis-py, docs/benchmarks/api.md). Uses the
    upstream loop layer's shard and group-name helpers (pinned: channels-redis 4.x)."""

    async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        """Publishes in order, one call per shard; a script runs whole and Redis keeps a
        connection's order, so every group's subscribers hear its pushes in the order sent
        (with several Redis hosts, pushes to groups on different shards may interleave
        differently)."""
        loop_layer = self._get_layer()
        by_shard: dict[int, tuple[Any, list[str], list[bytes]]] = {}
        for group, message in sends:
            name = loop_layer._get_group_channel_name(group)
            shard = loop_layer._get_shard(name)
            _, names, data = by_shard.setdefault(id(shard), (shard, [], []))
            names.append(name)
            data.append(self.serialize(message))
        for shard, names, data in by_shard.values():
            async with shard._lock:
                shard._ensure_redis()
                await _PUBLISH(keys=names, args=data, client=shard._redis)
