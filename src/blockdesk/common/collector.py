"""The cyclic garbage collector in a server process: what survived a full collection is
not walked again.

A full (generation-2) collection walks every object the collector tracks, and the event
loop, so every socket's messages, waits while it does. A node with 10,000 idle widget
sockets tracks ~1.6 M objects for them (about 160 a socket: the ASGI stack's coroutines,
contexts, queues and futures), and a full collection took 0.85-0.9 s there; CPython runs
one whenever the objects promoted since the last one reach a quarter of its survivors, so
under traffic two came in a 50 s phase at 20 msg/s, and the messages caught behind each
waited that long (docs/benchmarks/idle-sockets.md).

`install()` makes every full collection end with `gc.freeze()`: its survivors (the sockets'
state, caches: what lives long) move to the permanent generation, and the next full
collection walks only what was promoted since. Frozen objects are still freed by reference
counting the moment nothing refers to them, which is how most of a closed socket's state
goes; what it leaves in reference cycles (~1.4 KB a socket, measured: RSS grew 14 MB per
10,000 sockets opened and closed) only a walk of the frozen objects can free. So once the
frozen objects have grown by a quarter since the last such walk (the proportion CPython
itself waits for between full collections), they are unfrozen and the next full
collection walks everything once, frees those cycles and freezes the rest again. A node
whose sockets come and go paid one long pause (1.48 s) after ~35,000 sockets at 10,000
open, not one every half minute, and keeps at most a quarter more than it needs.

`blockdesk.asgi` installs it when BLOCKDESK_GC_FREEZE_SURVIVORS is on (the default), so in
every server process and not in management commands or tests.
"""

from __future__ import annotations

import gc
from typing import Any

# The frozen objects may grow by this factor between two walks of all of them, and to
# this many before the first (a full walk of fewer is short: ~50 ms).
GROWTH = 1.25
FLOOR = 200_000
# Counting the frozen objects walks their list (~8 ms for 1.6 M): done at every fourth
# full collection only, which come about once a second while sockets come and go.
COUNT_EVERY = 4


class _Policy:
    def __init__(self) -> None:
        self.walked_all = gc.get_freeze_count()  # frozen right after the last walk of all
        self.walking_all = False  # unfrozen: the next full collection walks everything
        self.uncounted = 0  # full collections since the frozen objects were last counted

    def after(self, phase: str, info: dict[str, Any]) -> None:
        # Called by the collector once it has finished ("stop"): the generations are
        # consistent, and the younger ones are empty after a full collection.
        if phase != "stop" or info["generation"] != 2:
            return
        gc.freeze()
        if self.walking_all:
            self.walking_all = False
            self.walked_all = gc.get_freeze_count()
            self.uncounted = 0
            return
        self.uncounted += 1
        if self.uncounted < COUNT_EVERY:
            return
        self.uncounted = 0
        if gc.get_freeze_count() > max(GROWTH * self.walked_all, FLOOR):
            gc.unfreeze()
            self.walking_all = True


_policy: _Policy | None = None


def install() -> None:
    """From now on, each full collection's survivors are frozen (idempotent)."""
    global _policy
    if _policy is None:
        _policy = _Policy()
        gc.callbacks.append(_policy.after)


def uninstall() -> None:
    global _policy
    if _policy is not None:
        gc.callbacks.remove(_policy.after)
        _policy = None


def installed() -> bool:
    return _policy is not None
