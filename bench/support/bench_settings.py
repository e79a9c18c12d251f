"""Settings for benchmark experiments only: Blockdesk's settings plus overrides named
in BENCH_* variables, to test a suspected bottleneck without editing the product.

    BENCH_LAYER_CAPACITY=5000   in-memory channel layer: messages a channel may queue
                                (Blockdesk's default 5,000; beyond it sends are dropped)
    BENCH_CONN_MAX_AGE=none     keep database connections between requests (seconds, or
                                "none" for ever; Blockdesk keeps SQLite ones already)
    BENCH_GC_GEN2=1000000       gc.set_threshold(700, 10, N): with N that large, no full
                                (generation 2) collection runs; tests whether full
                                collections over many open sockets' objects cost latency
"""

from __future__ import annotations

import gc
import os

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
