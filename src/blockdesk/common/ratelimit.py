"""Fixed-window rate limiting on the shared cache (Redis in scale-out, so all nodes agree)."""

from __future__ import annotations

import time

from django.core.cache import cache

from blockdesk.common.errors import RateLimited


def check_rate_limit(*, scope: str, key: str, limit: int, window: int) -> None:
    """Count one hit for `key` in `scope`; raise RateLimited once `limit` is passed."""
    now = int(time.time())
    bucket = now // window
    cache_key = f"rl:{scope}:{key}:{bucket}"
    added = cache.add(cache_key, 1, timeout=window + 1)
    count = 1 if added else cache.incr(cache_key)
    if count > limit:
        raise RateLimited(retry_after=(bucket + 1) * window - now)


def client_ip(meta: dict[str, str]) -> str:
    # Behind a trusted proxy set BLOCKDESK_TRUST_X_FORWARDED_FOR; never trust it by default.
    from django.conf import settings

    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return meta.get("REMOTE_ADDR", "unknown")
