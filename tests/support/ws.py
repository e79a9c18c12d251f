"""`channels.testing.WebsocketCommunicator`, importable without daphne.

channels.testing's package __init__ imports daphne for ChannelsLiveServerTestCase only;
our live tests run uvicorn instead, so daphne is not a dependency. When it is missing, an
empty stand-in for that one submodule lets the package (and the communicator) import."""

from __future__ import annotations

import sys
import types

try:
    from channels.testing import WebsocketCommunicator
except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
    if not (exc.name or "").startswith("daphne"):
        raise
    live = types.ModuleType("channels.testing.live")
    live.ChannelsLiveServerTestCase = None  # type: ignore[attr-defined]
    sys.modules["channels.testing.live"] = live
    from channels.testing import WebsocketCommunicator

__all__ = ["WebsocketCommunicator"]
