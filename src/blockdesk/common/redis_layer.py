"""The scale-out channel layer: channels_redis' pub/sub layer with bursts. Its own module
so that the embedded mode (common/layers.py) does not import redis-py."""

from __future__ import annotations

from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer


class RedisPubSubLayer(RedisPubSubChannelLayer):
    """channels_redis' pub/sub layer, plus `group_send_many`: a burst of pushes (a
    customer's message goes to its inbox and its contact, the case's update to both)
    published in one pipeline per Redis shard, one round trip instead of one per push
    (each cost the event loop ~0.1-0.2 ms of redis-py, docs/benchmarks/api.md). Uses the
    upstream loop layer's shard and group-name helpers (pinned: channels-redis 4.x)."""

    async def group_send_many(self, sends: list[tuple[str, dict[str, Any]]]) -> None:
        """Publishes in order, one pipeline per shard; Redis keeps a connection's order, so
        every group's subscribers hear its pushes in the order sent (with several Redis
        hosts, pushes to groups on different shards may interleave differently)."""
        loop_layer = self._get_layer()
        by_shard: dict[int, tuple[Any, list[tuple[str, bytes]]]] = {}
        for group, message in sends:
            name = loop_layer._get_group_channel_name(group)
            shard = loop_layer._get_shard(name)
            by_shard.setdefault(id(shard), (shard, []))[1].append((name, self.serialize(message)))
        for shard, items in by_shard.values():
            async with shard._lock:
                shard._ensure_redis()
                pipe = shard._redis.pipeline(transaction=False)
                for name, data in items:
                    pipe.publish(name, data)
                await pipe.execute()
