"""Staffing benchmark: Erlang C / A speed at large traffic, and the forecast's error on
simulated weeks (Poisson arrivals around a weekday/weekend profile).

    .venv/bin/python bench/staffing.py
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from blockdesk.staffing import erlang  # noqa: E402
from blockdesk.staffing.forecast import HOURS_IN_WEEK, forecast_week, plan_week  # noqa: E402


def profile() -> np.ndarray:
    hours = np.arange(HOURS_IN_WEEK)
    weekday = hours // 24 < 5
    return 4 + 30 * np.exp(-((hours % 24 - 14) ** 2) / 18) * np.where(weekday, 1.5, 0.7)


def erlang_speed() -> None:
    for arrivals, patience in [(200, None), (2_000, None), (200_000, None), (200, 60.0),
                               (2_000, 120.0)]:  # fmt: skip
        started = time.process_time()
        runs = 20
        for _ in range(runs):
            found = erlang.agents_for_service_level(
                arrivals_per_hour=arrivals,
                aht_seconds=240,
                service_level=0.8,
                answer_within_seconds=20,
                patience_seconds=patience,
            )
        ms = (time.process_time() - started) / runs * 1000
        model = "Erlang A" if patience else "Erlang C"
        print(f"| {model} | {arrivals:,}/h, AHT 240 s, 80/20 | {found.agents} | {ms:.2f} ms |")


def forecast_error() -> None:
    truth_base = profile()
    scenarios = {
        "steady": lambda w: 1.0,
        "doubled in the last 2 weeks": lambda w: 2.0 if w >= 6 else 1.0,
        "growing 10 %/week": lambda w: 1 + 0.1 * w,
    }
    for name, level in scenarios.items():
        errors: dict[str, list[float]] = {"model": [], "average": [], "last week": []}
        for seed in range(10):
            rng = np.random.default_rng(seed)
            weeks = [rng.poisson(truth_base * level(w)) for w in range(8)]
            series = np.concatenate(weeks).astype(float)
            truth = truth_base * level(8)
            found = forecast_week(list(series), first_hour_of_week=0)
            errors["model"].append(float(np.abs(np.array(found.arrivals) - truth).mean()))
            errors["average"].append(float(np.abs(series.reshape(8, -1).mean(0) - truth).mean()))
            errors["last week"].append(float(np.abs(series[-HOURS_IN_WEEK:] - truth).mean()))
        row = " | ".join(f"{np.mean(v):.2f}" for v in errors.values())
        print(f"| {name} | {row} |")
    started = time.process_time()
    forecast_week(list(np.tile(truth_base, 52)), first_hour_of_week=0)
    print(f"fit on 52 weeks: {time.process_time() - started:.2f} s CPU")
    started = time.process_time()
    plan_week(arrivals=list(truth_base * 20), aht_seconds=240, service_level=0.8,
              answer_within_seconds=20, shrinkage=0.3, patience_seconds=90)  # fmt: skip
    spent = time.process_time() - started
    print(f"plan a week (Erlang A, up to 700 arrivals/h): {spent:.2f} s CPU")


if __name__ == "__main__":
    print(f"python {platform.python_version()}")
    erlang_speed()
    forecast_error()
