"""Query-count guards for the hot paths (behaviour, not timing: the timing lives in
bench/). Each guard runs with its own cache so counters and cached answers of other
tests never leak in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any) -> Iterator[None]:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"perf-guards-{uuid.uuid4().hex}",
        }
    }
    settings.PUBLIC_RATE_LIMIT = 1000
    settings.PUBLIC_RATE_WINDOW = 60
    yield
