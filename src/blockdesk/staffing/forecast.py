"""Arrivals per hour of the week from history, and the agents each hour needs.

Hour-of-week index: 0 = Monday 00:00–01:00 local time … 167 = Sunday 23:00–24:00.

Model by how much history there is (docs/staffing.md):
- ≥ 4 weeks: Holt-Winters (statsmodels `ExponentialSmoothing`) on log(1 + count),
  additive 168-hour seasonality, no trend: it follows a level that moves (a growing
  exchange, a listing that doubled the volume) where a plain average lags. The log makes
  the seasonality multiplicative (twice the volume, twice the peak) while tolerating the
  zero counts of quiet nights, which multiplicative Holt-Winters cannot take.
- 1–4 weeks: the seasonal average (each hour of the week averaged over the weeks seen).
- < 1 week: the hour-of-day average, the same every day.
Every fit falls back to the seasonal average if statsmodels fails.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from blockdesk.staffing import erlang

logger = logging.getLogger(__name__)

HOURS_IN_WEEK = 168
HOLT_WINTERS_MIN_WEEKS = 4


def hour_of_week(moment: dt.datetime) -> int:
    return moment.weekday() * 24 + moment.hour


@dataclass(frozen=True)
class WeekForecast:
    arrivals: list[float]  # 168 values, by hour of week
    method: str  # "holt_winters" | "seasonal_average" | "daily_average" | "none"
    history_hours: int


def forecast_week(hourly: Sequence[float], *, first_hour_of_week: int) -> WeekForecast:
    """`hourly`: consecutive hourly arrival counts, the first at `first_hour_of_week`."""
    counts = np.asarray(hourly, dtype=float)
    n = len(counts)
    if n == 0:
        return WeekForecast([0.0] * HOURS_IN_WEEK, "none", 0)
    positions = (first_hour_of_week + np.arange(n)) % HOURS_IN_WEEK
    if n >= HOLT_WINTERS_MIN_WEEKS * HOURS_IN_WEEK:
        fitted = _holt_winters(counts)
        if fitted is not None:
            # The forecast continues the series: its first value is the hour after the last.
            start = (first_hour_of_week + n) % HOURS_IN_WEEK
            by_hour = np.roll(fitted, start)
            return WeekForecast(_clean(by_hour), "holt_winters", n)
    if n >= HOURS_IN_WEEK:
        sums = np.bincount(positions, weights=counts, minlength=HOURS_IN_WEEK)
        seen = np.bincount(positions, minlength=HOURS_IN_WEEK)
        return WeekForecast(_clean(sums / np.maximum(seen, 1)), "seasonal_average", n)
    hours_of_day = positions % 24
    sums = np.bincount(hours_of_day, weights=counts, minlength=24)
    seen = np.bincount(hours_of_day, minlength=24)
    daily = np.where(seen > 0, sums / np.maximum(seen, 1), counts.mean())
    return WeekForecast(_clean(np.tile(daily, 7)), "daily_average", n)


def _holt_winters(counts: np.ndarray) -> np.ndarray | None:
    try:
        from statsmodels.tsa.holtwinters import ExponentialSmoothing
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter on short or flat series
            model = ExponentialSmoothing(
                np.log1p(counts),
                trend=None,
                seasonal="add",
                seasonal_periods=HOURS_IN_WEEK,
                initialization_method="heuristic",
            ).fit()
            ahead = np.expm1(np.asarray(model.forecast(HOURS_IN_WEEK), dtype=float))
    except (ValueError, np.linalg.LinAlgError) as exc:
        logger.warning("staffing: Holt-Winters fit failed (%s); seasonal average used", exc)
        return None
    if not np.all(np.isfinite(ahead)):
        return None
    return ahead


def _clean(values: np.ndarray) -> list[float]:
    return [round(max(0.0, float(v)), 3) for v in values]


@dataclass(frozen=True)
class HourPlan:
    hour_of_week: int
    arrivals: float
    agents: int  # on the queue
    scheduled_needed: int  # with shrinkage
    service_level: float
    occupancy: float
    asa_seconds: float
    scheduled: int | None = None

    @property
    def gap(self) -> int | None:
        """Scheduled minus needed: negative is short-staffed."""
        return None if self.scheduled is None else self.scheduled - self.scheduled_needed


def plan_week(
    *,
    arrivals: Sequence[float],
    aht_seconds: float,
    service_level: float,
    answer_within_seconds: float,
    shrinkage: float = 0.0,
    patience_seconds: float | None = None,
    concurrency: int = 1,
    scheduled: Sequence[int] | None = None,
) -> list[HourPlan]:
    erlang.check_inputs(
        arrivals_per_hour=0,
        aht_seconds=aht_seconds,
        service_level=service_level,
        answer_within_seconds=answer_within_seconds,
        patience_seconds=patience_seconds,
        concurrency=concurrency,
        shrinkage=shrinkage,
    )
    plans = []
    cache: dict[float, erlang.QueueFigures] = {}
    for hour, rate in enumerate(arrivals):
        key = round(rate, 3)
        found = cache.get(key)
        if found is None:
            found = erlang.agents_for_service_level(
                arrivals_per_hour=key,
                aht_seconds=aht_seconds,
                service_level=service_level,
                answer_within_seconds=answer_within_seconds,
                patience_seconds=patience_seconds,
                concurrency=concurrency,
            )
            cache[key] = found
        plans.append(
            HourPlan(
                hour_of_week=hour,
                arrivals=key,
                agents=found.agents,
                scheduled_needed=erlang.agents_with_shrinkage(
                    agents=found.agents, shrinkage=shrinkage
                ),
                service_level=found.service_level,
                occupancy=found.occupancy,
                asa_seconds=found.asa_seconds if math.isfinite(found.asa_seconds) else -1.0,
                scheduled=None if scheduled is None else int(scheduled[hour]),
            )
        )
    return plans


def expand_schedule(values: Sequence[int]) -> list[int]:
    """24 values (every day alike) or 168 (the week) → 168."""
    if len(values) == 24:
        return list(values) * 7
    if len(values) == HOURS_IN_WEEK:
        return list(values)
    raise ValueError("24 or 168 values")
