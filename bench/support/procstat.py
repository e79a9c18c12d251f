"""CPU and memory of processes from /proc (psutil when installed is not needed: the
numbers we want are two fields of /proc/<pid>/stat and VmRSS)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process, in seconds (None once it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces; fields after ")" are fixed.
    fields = raw.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def pids_named(*names: str) -> list[int]:
    """Processes whose command name is one of `names` (e.g. postgres, redis-server)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm in names:
            found.append(int(entry.name))
    return found


def system_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    parts = [float(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0.0)
    total = sum(parts[:8])
    return total - idle, total


@dataclass
class GroupUsage:
    """CPU used by a group of processes over the sampled interval; peak RSS.

    With `names`, the group is every process of those names, re-listed at each sample
    (PostgreSQL forks a backend per connection); CPU of processes that exited between
    samples is kept from their last sample."""

    name: str
    pids: list[int]
    names: tuple[str, ...] = ()
    cpu_start: float = 0.0
    cpu_end: float = 0.0
    peak_rss: int = 0
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    _last: dict[int, float] = field(default_factory=dict)
    _gone: float = 0.0

    def refresh(self) -> None:
        if self.names:
            self.pids = pids_named(*self.names)

    def total_cpu(self) -> float:
        self.refresh()
        now: dict[int, float] = {}
        for pid in self.pids:
            used = cpu_seconds(pid)
            if used is not None:
                now[pid] = used
        self._gone += sum(v for pid, v in self._last.items() if pid not in now)
        self._last = now
        return self._gone + sum(now.values())

    def total_rss(self) -> int:
        return sum(rss_bytes(p) for p in self.pids)


class Sampler:
    """Samples groups of processes every `interval` seconds while running."""

    def __init__(
        self, groups: dict[str, list[int] | tuple[str, ...]], interval: float = 0.5
    ) -> None:
        """`groups` maps a label to fixed pids or to process names (re-listed live)."""
        self.groups: dict[str, GroupUsage] = {}
        for name, spec in groups.items():
            if isinstance(spec, tuple):
                if spec and pids_named(*spec):
                    self.groups[name] = GroupUsage(name, [], names=spec)
            elif spec:
                self.groups[name] = GroupUsage(name, list(spec))
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._t0 = 0.0
        self._t1 = 0.0
        self._sys0 = (0.0, 0.0)
        self._sys1 = (0.0, 0.0)

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._sys0 = system_busy()
        for g in self.groups.values():
            g.cpu_start = g.total_cpu()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            now = time.monotonic() - self._t0
            for g in self.groups.values():
                rss = g.total_rss()
                g.peak_rss = max(g.peak_rss, rss)
                g.samples.append((now, g.total_cpu(), rss))

    async def stop(self) -> dict[str, object]:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._t1 = time.monotonic()
        self._sys1 = system_busy()
        wall = max(1e-9, self._t1 - self._t0)
        report: dict[str, object] = {"wall_s": round(wall, 2)}
        for g in self.groups.values():
            g.cpu_end = g.total_cpu()
            g.peak_rss = max(g.peak_rss, g.total_rss())
            used = g.cpu_end - g.cpu_start
            # Busiest half-second window: a single-threaded server pegged at one core
            # shows ~100 % here even when the average is lower.
            peak = 0.0
            for (t_a, c_a, _), (t_b, c_b, _) in zip(g.samples, g.samples[1:], strict=False):
                if t_b > t_a:
                    peak = max(peak, (c_b - c_a) / (t_b - t_a))
            report[g.name] = {
                "cpu_s": round(used, 2),
                "cpu_avg_pct": round(100 * used / wall, 1),
                "cpu_peak_pct": round(100 * peak, 1),
                "peak_rss_mb": round(g.peak_rss / 2**20, 1),
                "processes": len(g.pids) if not g.names else f"{len(g.pids)} at the end",
            }
        busy = self._sys1[0] - self._sys0[0]
        total = max(1e-9, self._sys1[1] - self._sys0[1])
        report["machine_busy_pct"] = round(100 * busy / total, 1)
        return report
