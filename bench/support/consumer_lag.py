"""Event-consumer lag during a load run, read the way an operator reads it: the server's
Prometheus endpoint (`blockdesk_event_consumer_lag_seconds{consumer}`: the age of each
consumer's oldest unhandled event; ops/metrics.py), scraped every `interval` seconds.

Each scrape costs the server a few queries per consumer, so the interval is a second by
default; the bench says so next to the server's CPU."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

import httpx

_LINE = re.compile(r'^blockdesk_event_consumer_lag_seconds\{consumer="([^"]+)"\} (\S+)$', re.M)


def parse(text: str) -> dict[str, float]:
    return {name: float(value) for name, value in _LINE.findall(text)}


@dataclass
class LagSampler:
    url: str  # the server's /metrics
    interval: float = 1.0
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    _task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            while True:
                started = time.perf_counter()
                try:
                    response = await client.get(self.url)
                    response.raise_for_status()
                    for name, seconds in parse(response.text).items():
                        self.samples.setdefault(name, []).append(seconds)
                except httpx.HTTPError:
                    self.errors += 1
                await asyncio.sleep(max(0.0, self.interval - (time.perf_counter() - started)))

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def wait_caught_up(self, timeout: float) -> float | None:
        """Seconds until every consumer has nothing left (lag 0), None if not in time."""
        started = time.perf_counter()
        async with httpx.AsyncClient(timeout=10) as client:
            while time.perf_counter() - started < timeout:
                try:
                    lags = parse((await client.get(self.url)).text)
                except httpx.HTTPError:
                    lags = {}
                if lags and max(lags.values()) == 0:
                    return time.perf_counter() - started
                await asyncio.sleep(0.5)
        return None

    def summary(self) -> dict[str, dict[str, float]]:
        """Per consumer: the largest and the 95th percentile of the sampled lags, seconds."""
        out = {}
        for name, values in sorted(self.samples.items()):
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            out[name] = {"max": round(ordered[-1], 3), "p95": round(p95, 3), "n": len(ordered)}
        return out
