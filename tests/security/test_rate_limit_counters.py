"""The fixed-window counters behind every public rate limit, on the local cache and on
Redis (where a request's counters are one script call: INCR, and EXPIRE for a new key)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from django.core.cache import cache

from blockdesk.common.errors import RateLimited
from blockdesk.common.ratelimit import check_rate_limits
from tests.conftest import require_or_skip

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(params=["local", "redis"])
def counters(request: Any, settings: Any) -> str:
    if request.param == "redis":
        require_or_skip(_redis_up(), "Redis on 127.0.0.1:6379")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_URL,
                "KEY_PREFIX": f"t{uuid.uuid4().hex[:12]}",
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"rl-{uuid.uuid4().hex}",
            }
        }
    return str(request.param)


def test_redis_counters_are_one_command(counters: str, monkeypatch: Any) -> None:
    if counters != "redis":
        pytest.skip("the script is Redis's")
    import redis.client

    commands: list[tuple[Any, ...]] = []
    real = redis.client.Redis.execute_command

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        commands.append(args)
        return real(self, *args, **kwargs)

    check_rate_limits(checks=[("a", "0")], limit=5, window=600)  # the server knows the script
    monkeypatch.setattr(redis.client.Redis, "execute_command", counting)
    check_rate_limits(checks=[("a", "1"), ("b", "2")], limit=5, window=600)
    check_rate_limits(checks=[("a", "1"), ("b", "2")], limit=5, window=600)
    assert [c[0] for c in commands] == ["EVALSHA", "EVALSHA"]  # both keys in one command


def test_redis_counters_expire_with_their_window(counters: str) -> None:
    if counters != "redis":
        pytest.skip("Redis's expiry")
    from django.core.cache import caches

    check_rate_limits(checks=[("exp", "1")], limit=5, window=60)
    backend: Any = caches["default"]
    client = backend._cache.get_client(write=True)
    [key] = [k for k in client.keys(backend.make_key("rl:exp:1:*"))]
    assert 0 < client.ttl(key) <= 61
    check_rate_limits(checks=[("exp", "1")], limit=5, window=60)
    assert 0 < client.ttl(key) <= 61  # a later count keeps the first expiry
    assert int(client.get(key)) == 2


def test_a_restarted_redis_forgets_the_script_and_counting_goes_on(counters: str) -> None:
    if counters != "redis":
        pytest.skip("Redis's script cache")
    from django.core.cache import caches

    check_rate_limits(checks=[("flush", "1")], limit=5, window=600)
    backend: Any = caches["default"]
    backend._cache.get_client(write=True).script_flush()  # as a restart would
    check_rate_limits(checks=[("flush", "1")], limit=5, window=600)
    with pytest.raises(RateLimited):
        for _ in range(4):
            check_rate_limits(checks=[("flush", "1")], limit=5, window=600)


def test_each_key_counts_apart_and_the_limit_trips_on_any(counters: str) -> None:
    checks = [("widget-message-ip", "203.0.113.7"), ("widget-message-visitor", "1:42")]
    for _ in range(3):
        check_rate_limits(checks=checks, limit=3, window=600)
    with pytest.raises(RateLimited) as caught:
        check_rate_limits(checks=checks, limit=3, window=600)
    assert 0 < caught.value.retry_after <= 600
    # Another visitor from another address is not limited by them.
    check_rate_limits(
        checks=[("widget-message-ip", "198.51.100.9"), ("widget-message-visitor", "1:43")],
        limit=3,
        window=600,
    )
    # One shared counter trips the pair: the same address, a new visitor.
    with pytest.raises(RateLimited):
        check_rate_limits(
            checks=[("widget-message-ip", "203.0.113.7"), ("widget-message-visitor", "1:44")],
            limit=3,
            window=600,
        )


def test_counters_expire_with_their_window(counters: str) -> None:
    check_rate_limits(checks=[("s", "k")], limit=5, window=600)
    bucket = int(time.time()) // 600
    key = f"rl:s:k:{bucket}"
    assert cache.get(key) == 1  # readable through the cache API (failure checks read it)
    if counters == "redis":
        client = cache._cache.get_client(key, write=False)  # type: ignore[attr-defined]
        ttl = client.ttl(cache.make_and_validate_key(key))
        assert 0 < ttl <= 601
        # A second hit keeps the first expiry (EXPIRE NX): the window does not slide.
        client.expire(cache.make_and_validate_key(key), 30)
        check_rate_limits(checks=[("s", "k")], limit=5, window=600)
        assert client.ttl(cache.make_and_validate_key(key)) <= 30
        assert cache.get(key) == 2


def test_a_lock_lasts_its_whole_length_whenever_in_a_second_it_starts(
    counters: str, monkeypatch: Any
) -> None:
    """A lock's end was kept in whole seconds: one set at x.9 s for 1 s ended at x+1, 0.1 s
    later (a CI run saw a 1-second two-factor lock gone before the next request)."""
    from blockdesk.common import ratelimit

    clock = [1_000_000.9]
    monkeypatch.setattr(ratelimit.time, "time", lambda: clock[0])
    key = uuid.uuid4().hex
    seconds = ratelimit.lock_after_failure(scope="t", key=key, lock_seconds=1, max_lock_seconds=60)
    assert seconds == 1
    clock[0] += 0.5
    with pytest.raises(RateLimited) as locked:
        ratelimit.check_lock(scope="t", key=key)
    assert locked.value.retry_after == 1  # rounded up, never 0 while locked
    clock[0] += 0.45
    with pytest.raises(RateLimited):
        ratelimit.check_lock(scope="t", key=key)
    clock[0] += 0.1
    ratelimit.check_lock(scope="t", key=key)  # over: no error
