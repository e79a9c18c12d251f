"""Settings for benchmark experiments only: Blockdesk's settings plus overrides named
in BENCH_* variables, to test a suspected bottleneck without editing the product.

    BENCH_LAYER_CAPACITY=5000   in-memory channel layer: messages a channel may queue
                                (Blockdesk's default 5,000; beyond it sends are dropped)
    BENCH_CONN_MAX_AGE=none     keep database connections between requests (seconds, or
                                "none" for ever; Blockdesk keeps SQLite ones already)
    BENCH_GC_GEN2=1000000       gc.set_threshold(700, 10, N): with N that large, no full
                                (generation 2) collection runs; tests whether full
                                collections over many open sockets' objects cost latency
    BENCH_GC_LOG=/path/file     one line per generation-1 and -2 collection: the time, the
                                generation, its pause in ms and the objects it freed
    BENCH_GC_CENSUS=1           with BENCH_GC_LOG: after a full collection over 100 ms,
                                the tracked objects counted by type (what the walk was over)
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path
from typing import Any

from blockdesk.settings import *  # noqa: F403
from blockdesk.settings import CHANNEL_LAYERS, DATABASES

_capacity = os.environ.get("BENCH_LAYER_CAPACITY")
# The embedded layer (blockdesk.common.layers.LocalChannelLayer) or upstream's.
if _capacity and CHANNEL_LAYERS["default"]["BACKEND"].endswith(
    ("InMemoryChannelLayer", "LocalChannelLayer")
):
    CHANNEL_LAYERS["default"]["CONFIG"] = {
        **CHANNEL_LAYERS["default"].get("CONFIG", {}),
        "capacity": int(_capacity),
    }

_max_age = os.environ.get("BENCH_CONN_MAX_AGE")
if _max_age:
    DATABASES["default"]["CONN_MAX_AGE"] = None if _max_age == "none" else int(_max_age)
_gen2 = os.environ.get("BENCH_GC_GEN2")
if _gen2:
    gc.set_threshold(700, 10, int(_gen2))

_gc_log = os.environ.get("BENCH_GC_LOG")
if _gc_log:
    _log = Path(_gc_log).open("a", buffering=1)  # noqa: SIM115  # open for the process's life
    _started: list[float] = [0.0]

    def _timed(phase: str, info: dict[str, Any]) -> None:
        if info["generation"] == 0:
            return
        if phase == "start":
            _started[0] = time.perf_counter()
            return
        pause = (time.perf_counter() - _started[0]) * 1000
        _log.write(
            f"{time.time():.3f} pid {os.getpid()} gen{info['generation']} {pause:.1f} ms"
            f" freed {info['collected']}\n"
        )
        if os.environ.get("BENCH_GC_CENSUS") and info["generation"] == 2 and pause > 100:
            import collections

            tracked = gc.get_objects(generation=2)
            kinds = collections.Counter(type(o).__qualname__ for o in tracked)
            _log.write(f"  {len(tracked)} in generation 2: {kinds.most_common(30)}\n")

    gc.callbacks.append(_timed)
