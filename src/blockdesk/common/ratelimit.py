"""Rate limits and failure lockouts on the shared cache (Redis in scale-out, so all nodes
agree), and the client address they are keyed on."""

from __future__ import annotations

import ipaddress
import math
import time
from functools import cache as memoize
from typing import Any
from weakref import WeakKeyDictionary

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse

from blockdesk.common.errors import RateLimited

# Escalation memory for lockouts: the next lock is longer if one happened within a day.
_LOCK_LEVEL_TTL = 24 * 3600


def check_rate_limit(*, scope: str, key: str, limit: int, window: int) -> None:
    """Count one hit for `key` in `scope`; raise RateLimited once `limit` is passed."""
    check_rate_limits(checks=[(scope, key)], limit=limit, window=window)


def check_rate_limits(*, checks: list[tuple[str, str]], limit: int, window: int) -> None:
    """One hit for each (scope, key), counted together (one Redis round trip for all);
    raise RateLimited if any passed `limit`."""
    now = int(time.time())
    bucket = now // window
    counts = _incr_many([f"rl:{scope}:{key}:{bucket}" for scope, key in checks], timeout=window + 1)
    if max(counts) > limit:
        raise RateLimited(retry_after=(bucket + 1) * window - now)


def _incr(cache_key: str, *, timeout: int) -> int:
    return _incr_many([cache_key], timeout=timeout)[0]


def _incr_many(cache_keys: list[str], *, timeout: int) -> list[int]:
    """Atomic counters with an expiry. On Redis one script call counts every key and gives
    a new one its expiry (Django's add-then-incr is three round trips for a counter that
    exists, and a pipeline of INCR + EXPIRE NX per key cost redis-py four commands to pack
    and parse: a public request counts two keys, issue 17); elsewhere `add` first so the
    counter gets its expiry, then incr."""
    backend = caches[DEFAULT_CACHE_ALIAS]  # the backend itself (`cache` is a proxy)
    if isinstance(backend, RedisCache):
        keys = [backend.make_and_validate_key(k) for k in cache_keys]
        return [int(n) for n in _count_on_redis(_redis_client(backend), keys, timeout)]
    return [_incr_local(k, timeout=timeout) for k in cache_keys]


# INCR each key; a key the INCR created gets its expiry in the same atomic step.
_COUNT_LUA = """
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return counts
"""
# Django's Redis cache client -> the redis-py client kept for it.
_clients: WeakKeyDictionary[Any, Any] = WeakKeyDictionary()


@memoize
def _count_script() -> Any:
    """redis-py's Script: EVALSHA, and the script loaded again by a server that lost it (a
    restart). Made on first use: the embedded mode does not import redis-py."""
    from redis.commands.core import Script

    return Script(None, _COUNT_LUA.encode())  # type: ignore[arg-type]  # (client at each call)


def _count_on_redis(client: Any, keys: list[str], timeout: int) -> list[int]:
    return list(_count_script()(keys=keys, args=[timeout], client=client))


def _redis_client(backend: RedisCache) -> Any:
    """The cache's writing Redis client, kept per cache client (Django builds one per
    call; its pool for writes is always the first server's)."""
    cache_client = backend._cache  # type: ignore[attr-defined]
    client = _clients.get(cache_client)
    if client is None:
        client = cache_client.get_client(write=True)
        _clients[cache_client] = client
    return client


def _incr_local(cache_key: str, *, timeout: int) -> int:
    if cache.add(cache_key, 1, timeout=timeout):
        return 1
    try:
        return int(cache.incr(cache_key))
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=timeout)
        return 1


# --- failure counting (only failed attempts count) --------------------------------


def check_failure_limit(*, scope: str, key: str, limit: int, window: int) -> None:
    """Raise RateLimited when `key` already failed `limit` times in this fixed window."""
    now = int(time.time())
    bucket = now // window
    count = cache.get(f"fl:{scope}:{key}:{bucket}") or 0
    if int(count) >= limit:
        raise RateLimited(retry_after=(bucket + 1) * window - now)


def record_failure(*, scope: str, key: str, window: int) -> int:
    """Count one failure for `key` in this fixed window; returns the count so far."""
    bucket = int(time.time()) // window
    return _incr(f"fl:{scope}:{key}:{bucket}", timeout=window + 1)


# --- lockouts (N failures lock the key for a growing period) ----------------------


def check_lock(*, scope: str, key: str) -> None:
    """Raise RateLimited while `key` is locked in `scope`."""
    left = _lock_left(scope=scope, key=key)
    if left > 0:
        raise RateLimited(retry_after=left)


def take_lockable_attempt(*, scope: str, key: str, limit: int, window: int) -> int:
    """Count an attempt *before* it is checked, with one atomic increment, and return its
    number. Counting only failures would let a burst of parallel guesses all pass
    `check_lock` before the first failure is stored; this way only `limit` of them are
    ever checked, and the rest are refused (RateLimited) unchecked."""
    attempt = _incr(f"lf:{scope}:{key}", timeout=window)
    if attempt > limit:
        raise RateLimited(retry_after=_lock_left(scope=scope, key=key) or window)
    # A lock set since `check_lock` (it resets the counter) still stops this attempt.
    left = _lock_left(scope=scope, key=key)
    if left > 0:
        raise RateLimited(retry_after=left)
    return attempt


def lock_after_failure(*, scope: str, key: str, lock_seconds: int, max_lock_seconds: int) -> int:
    """The last allowed attempt failed: lock `key` for `lock_seconds`, doubled for each lock
    in the past day up to `max_lock_seconds`. Returns the lock's length in seconds."""
    level = _incr(f"lvl:{scope}:{key}", timeout=_LOCK_LEVEL_TTL)
    seconds = min(max_lock_seconds, lock_seconds * 2 ** min(level - 1, 20))
    # The end as a float: a whole-second end would cut a lock set at x.9 s to 0.1 s.
    cache.set(f"lock:{scope}:{key}", time.time() + seconds, timeout=seconds)
    # After the lock is set, so no attempt slips in between.
    cache.delete(f"lf:{scope}:{key}")
    # The level outlives the lock so that the next burst locks for longer.
    cache.touch(f"lvl:{scope}:{key}", timeout=max(_LOCK_LEVEL_TTL, seconds * 2))
    return seconds


def _lock_left(*, scope: str, key: str) -> int:
    until = cache.get(f"lock:{scope}:{key}")
    if until is None:
        return 0
    return max(0, math.ceil(float(until) - time.time()))


def clear_failures(*, scope: str, key: str) -> None:
    """A success forgets the failures and the escalation (not a lock in force)."""
    cache.delete_many([f"lf:{scope}:{key}", f"lvl:{scope}:{key}"])


# --- the client address -----------------------------------------------------------


@memoize
def _trusted_proxies(
    spec: str,
) -> tuple[bool, tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]]:
    items = [item.strip() for item in spec.split(",") if item.strip()]
    if "*" in items:
        return True, ()
    networks = []
    for item in items:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue
    return False, tuple(networks)


def _is_trusted(host: str, spec: str) -> bool:
    any_host, networks = _trusted_proxies(spec)
    if any_host:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_ip(meta: dict[str, str]) -> str:
    """The address rate limits are keyed on. X-Forwarded-For counts only when
    BLOCKDESK_TRUST_X_FORWARDED_FOR is on and the peer is a trusted proxy
    (BLOCKDESK_FORWARDED_ALLOW_IPS); then, as uvicorn does, the right-most address that
    is not a trusted proxy wins (the left-most is whatever the client claimed). Under
    `manage.py serve` uvicorn has already put that address in REMOTE_ADDR, so this agrees."""
    peer = meta.get("REMOTE_ADDR", "") or "unknown"
    if not getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        return peer
    spec = getattr(settings, "FORWARDED_ALLOW_IPS", "127.0.0.1")
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if not forwarded or not _is_trusted(peer, spec):
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, spec):
            return hop
    return hops[0] if hops else peer


def public_page_limit(request: HttpRequest, *, scope: str, limit: int) -> HttpResponse | None:
    """The per-address limit of a server-rendered public page (feedback, learn, surveys):
    None while under `limit` requests a minute, else a plain-text 429 with Retry-After."""
    try:
        check_rate_limit(scope=scope, key=client_ip(request.META), limit=limit, window=60)
    except RateLimited as exc:
        response = HttpResponse(exc.message, status=429, content_type="text/plain")
        for name, value in exc.headers.items():
            response[name] = value
        return response
    return None
