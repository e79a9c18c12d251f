"""Duration histograms: fixed buckets (upper bounds in seconds) summed over any range, so a
median or a 90th percentile over a year reads a few hundred rollup rows instead of a million
cases. The estimate interpolates inside the bucket that holds the quantile; its error is at
most the bucket's width (a minute under five minutes, an hour around a few hours)."""

from __future__ import annotations

from collections.abc import Sequence

BOUNDS: tuple[int, ...] = (
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    14400,
    28800,
    43200,
    86400,
    172800,
    345600,
    604800,
)
COUNT = len(BOUNDS) + 1  # the last bucket is open: longer than a week
# The four timed measures; each has COUNT bucket columns on a rollup row (models.py).
MEASURES = ("frt", "frtb", "res", "resb")


def bucket_of(seconds: float) -> int:
    for i, bound in enumerate(BOUNDS):
        if seconds < bound:
            return i
    return len(BOUNDS)


def columns(measure: str) -> list[str]:
    return [f"{measure}_{i}" for i in range(COUNT)]


def quantile(counts: Sequence[int], q: float) -> float | None:
    """The q-quantile (0 < q < 1) of durations known only by their bucket counts."""
    total = sum(counts)
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for i, n in enumerate(counts):
        if n and seen + n >= rank:
            low = BOUNDS[i - 1] if i > 0 else 0
            if i >= len(BOUNDS):
                return float(low)  # open bucket: "more than a week", not a guess past it
            return low + (BOUNDS[i] - low) * max(0.0, rank - seen) / n
        seen += n
    return float(BOUNDS[-1])
