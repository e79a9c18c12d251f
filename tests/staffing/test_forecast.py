"""The week's forecast and plan on controlled series."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from blockdesk.staffing import forecast
from blockdesk.staffing.forecast import HOURS_IN_WEEK, forecast_week, plan_week


def weekly_profile() -> np.ndarray:
    hours = np.arange(HOURS_IN_WEEK)
    weekday = hours // 24 < 5
    return 4 + 30 * np.exp(-((hours % 24 - 14) ** 2) / 18) * np.where(weekday, 1.5, 0.7)


def test_hour_of_week_is_monday_based():
    assert forecast.hour_of_week(dt.datetime(2026, 11, 30, 0, 30)) == 0  # a Monday
    assert forecast.hour_of_week(dt.datetime(2026, 12, 6, 23, 0)) == 167  # a Sunday


def test_seasonal_average_recovers_the_profile_whatever_the_start():
    profile = weekly_profile()
    start = 37  # the history begins on a Tuesday 13:00
    series = [profile[(start + i) % HOURS_IN_WEEK] for i in range(2 * HOURS_IN_WEEK)]
    found = forecast_week(series, first_hour_of_week=start)
    assert found.method == "seasonal_average"
    assert np.allclose(found.arrivals, profile, atol=1e-3)


def test_less_than_a_week_uses_the_hour_of_day():
    day = np.arange(24, dtype=float)  # hour h has h arrivals
    found = forecast_week(list(day) * 3, first_hour_of_week=24)
    assert found.method == "daily_average"
    assert found.arrivals[5] == 5 and found.arrivals[24 * 6 + 23] == 23


def test_no_history_forecasts_nothing():
    found = forecast_week([], first_hour_of_week=0)
    assert found.method == "none" and found.arrivals == [0.0] * HOURS_IN_WEEK


def test_holt_winters_follows_a_level_change():
    """Eight weeks whose last two run at twice the volume (a listing): Holt-Winters
    follows the new level, the plain seasonal average lags behind it."""
    rng = np.random.default_rng(7)
    profile = weekly_profile()
    weeks = [rng.poisson(profile * (2.0 if w >= 6 else 1.0)) for w in range(8)]
    series = np.concatenate(weeks).astype(float)
    found = forecast_week(list(series), first_hour_of_week=0)
    assert found.method == "holt_winters"
    truth = profile * 2.0
    average = series.reshape(8, HOURS_IN_WEEK).mean(axis=0)
    hw_error = np.abs(np.array(found.arrivals) - truth).mean()
    avg_error = np.abs(average - truth).mean()
    assert hw_error < avg_error * 0.6
    assert min(found.arrivals) >= 0


def test_holt_winters_rotation_matches_the_clock():
    profile = weekly_profile()
    start = 100
    series = [profile[(start + i) % HOURS_IN_WEEK] for i in range(5 * HOURS_IN_WEEK)]
    found = forecast_week(series, first_hour_of_week=start)
    assert found.method == "holt_winters"
    assert int(np.argmax(found.arrivals)) == int(np.argmax(profile))
    assert np.allclose(found.arrivals, profile, atol=0.5)


def test_plan_week_staffs_each_hour_and_shows_the_gaps():
    arrivals = [0.0] * HOURS_IN_WEEK
    arrivals[10] = 200.0  # Monday 10:00: the callcentrehelper example, 14 agents
    plans = plan_week(
        arrivals=arrivals,
        aht_seconds=180,
        service_level=0.8,
        answer_within_seconds=20,
        shrinkage=0.3,
        scheduled=[15] * HOURS_IN_WEEK,
    )
    assert plans[10].agents == 14 and plans[10].scheduled_needed == 20
    assert plans[10].gap == -5
    assert plans[0].agents == 0 and plans[0].gap == 15


def test_schedule_of_a_day_repeats_over_the_week():
    assert forecast.expand_schedule(list(range(24)))[24 * 3 + 5] == 5
    with pytest.raises(ValueError):
        forecast.expand_schedule([1, 2, 3])
