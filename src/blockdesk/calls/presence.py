"""Which agents can take a call now: those with a console page open whose call module
says so every HEARTBEAT seconds over the agent socket. Kept in the cache (Redis in
scale-out, so every node sees every agent), one small map per agent of socket → expiry:
a socket that dies without saying so expires by itself."""

from __future__ import annotations

import time

from django.core.cache import cache

HEARTBEAT = 20  # the console module's call.presence interval (static/calls/console-calls.js)
TTL = 3 * HEARTBEAT


def _key(user_id: int) -> str:
    return f"calls:online:{user_id}"


def _live(entries: object, now: float) -> dict[str, float]:
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(v, int | float) and v > now}


def mark_online(*, user_id: int, channel_name: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    # Read-modify-write: two tabs beating at the same instant may drop one entry; the
    # next heartbeat (HEARTBEAT s later) puts it back, well within TTL.
    entries = _live(cache.get(_key(user_id)), now)
    entries[channel_name] = now + TTL
    cache.set(_key(user_id), entries, timeout=TTL)


def mark_offline(*, user_id: int, channel_name: str, now: float | None = None) -> None:
    now = time.time() if now is None else now
    entries = _live(cache.get(_key(user_id)), now)
    if entries.pop(channel_name, None) is not None:
        if entries:
            cache.set(_key(user_id), entries, timeout=TTL)
        else:
            cache.delete(_key(user_id))


def is_online(*, user_id: int, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    return bool(_live(cache.get(_key(user_id)), now))
