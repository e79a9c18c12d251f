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

Growth alone is no reason to walk everything: while 10,000 sockets open (a flood's first
minute) the frozen objects grow by a quarter again and again, all of them alive, and each
such walk paused the node for 0.26-0.85 s (four in 18 s). Cycles among frozen objects come
from frozen objects dying, and most of a dead socket's state is freed by reference
counting, which the frozen count shows. So when the frozen objects have grown by a quarter
but fewer than a quarter as many have been freed since, the growth is taken for live
state: it becomes the new measure (as if walked) and nothing is walked. Sockets coming and
going free many: there the walk comes as before. A kind of object that dies only in
cycles would not show; for it, growth past CAP times the last real walk (and past
CAP_FLOOR) walks all regardless.

`blockdesk.asgi` installs it when BLOCKDESK_GC_FREEZE_SURVIVORS is on (the default), so in
every server process and not in management commands or tests.
"""

from __future__ import annotations

import gc
from typing import Any

# The frozen objects may grow by this factor between two walks of all of them (with as
# many freed since, see above), and to this many before the first (a full walk of fewer
# is short: ~50 ms). Past CAP times the last real walk and CAP_FLOOR, they are walked
# regardless (10,000 idle sockets are ~1.6 M objects).
GROWTH = 1.25
FLOOR = 200_000
CAP = 4.0
CAP_FLOOR = 4_000_000
# Counting the frozen objects walks their list (~8 ms for 1.6 M): done at every fourth
# full collection only, which come about once a second while sockets come and go.
COUNT_EVERY = 4


class _Policy:
    def __init__(self) -> None:
        frozen = gc.get_freeze_count()
        self.walked_all = frozen  # frozen right after the last walk of all
        self.measure = frozen  # what growth is measured from: that walk, or growth taken as live
        self.walking_all = False  # unfrozen: the next full collection walks everything
        self.uncounted = 0  # full collections since the frozen objects were last counted
        # What the frozen count would read at the next count if no frozen object had been
        # freed: the last count plus what each full collection froze since.
        self.expected = frozen
        self.freed = 0  # frozen objects freed (by reference counting) since the measure

    def after(self, phase: str, info: dict[str, Any]) -> None:
        # Called by the collector once it has finished ("stop"): the generations are
        # consistent, and the younger ones are empty after a full collection, so what is
        # in the oldest is what this freeze moves.
        if phase != "stop" or info["generation"] != 2:
            return
        if self.walking_all:
            gc.freeze()
            self.walking_all = False
            self.walked_all = self.measure = self.expected = gc.get_freeze_count()
            self.uncounted = self.freed = 0
            return
        moving = len(gc.get_objects(generation=2))
        self.uncounted += 1
        if self.uncounted < COUNT_EVERY:
            gc.freeze()
            self.expected += moving
            return
        self.uncounted = 0
        before = gc.get_freeze_count()
        self.freed += max(0, self.expected - before)
        gc.freeze()
        frozen = self.expected = before + moving
        if frozen <= max(GROWTH * self.measure, FLOOR):
            return
        past_cap = frozen > max(CAP * self.walked_all, CAP_FLOOR)
        if self.freed >= (GROWTH - 1) * self.measure or past_cap:
            gc.unfreeze()
            self.walking_all = True
        else:
            # Grown with little freed: live state (sockets opening), not cycles.
            self.measure, self.freed = frozen, 0


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
