"""Settings for benchmark experiments only: Blockdesk's settings plus overrides named
in BENCH_* variables, to test a suspected bottleneck without editing the product.

    BENCH_LAYER_CAPACITY=5000   in-memory channel layer: messages a channel may queue
                                (Blockdesk's default 5,000; beyond it sends are dropped)
"""

from __future__ import annotations

import os

from blockdesk.settings import *  # noqa: F403
from blockdesk.settings import CHANNEL_LAYERS

_capacity = os.environ.get("BENCH_LAYER_CAPACITY")
# The embedded layer (blockdesk.common.layers.LocalChannelLayer) or upstream's.
if _capacity and CHANNEL_LAYERS["default"]["BACKEND"].endswith(
    ("InMemoryChannelLayer", "LocalChannelLayer")
):
    CHANNEL_LAYERS["default"]["CONFIG"] = {
        **CHANNEL_LAYERS["default"].get("CONFIG", {}),
        "capacity": int(_capacity),
    }
