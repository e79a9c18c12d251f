"""A server process freezes what survives each full garbage collection
(common/collector.py): the next full collection does not walk it again, reference counting
still frees it, and new cyclic garbage is still collected. Each case runs in a fresh
interpreter: this test process's collector is not the one being measured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.fresh_python import python_env, run_json

_POLICY = """
import gc, json, weakref
from blockdesk.common import collector

class Node:
    pass

def long_lived(n):
    # What a socket leaves behind: objects the collector tracks, alive for long.
    return [{{"socket": i, "queue": [i]}} for i in range(n)]

gc.collect()
{install}
kept = long_lived(50_000)
gc.collect()  # a full collection: its survivors include the 100,000 objects above
walked = len(gc.get_objects(generation=2))
frozen = gc.get_freeze_count()

# Frozen objects are freed by reference counting as soon as nothing refers to them.
probe = Node()
probe_ref = weakref.ref(probe)
gc.collect()
del probe
freed_by_refcount = probe_ref() is None

# Cyclic garbage made after a full collection is still found by the next one.
a, b = Node(), Node()
a.other, b.other = b, a
cycle_ref = weakref.ref(a)
del a, b
gc.collect()
print(json.dumps({{
    "walked": walked,
    "frozen": frozen,
    "freed_by_refcount": freed_by_refcount,
    "new_cycle_collected": cycle_ref() is None,
}}))
"""


def _run(code: str, **env: str) -> dict[str, Any]:
    result: dict[str, Any] = run_json(code, env=python_env(**env))
    return result


def test_survivors_of_a_full_collection_are_not_walked_again() -> None:
    on = _run(_POLICY.format(install="collector.install()"))
    off = _run(_POLICY.format(install=""))
    # Without the policy the next full collection walks all 100,000 again; with it, none.
    assert off["walked"] >= 100_000
    assert off["frozen"] == 0
    assert on["frozen"] >= 100_000
    assert on["walked"] < 10_000
    for result in (on, off):
        assert result["freed_by_refcount"] is True
        assert result["new_cycle_collected"] is True


_CYCLES = """
import gc, json, weakref
from blockdesk.common import collector

class Node:
    pass

collector.FLOOR = 1_000
collector.COUNT_EVERY = 1
gc.collect()
collector.install()
kept = [Node() for _ in range(5_000)]
gc.collect()  # frozen grew past the floor: unfrozen, so that ...
gc.collect()  # ... this one walks everything, and freezes it again

# A cycle alive during a full collection is frozen with the rest; dropped, it stays.
a, b = Node(), Node()
a.other, b.other = b, a
ref = weakref.ref(a)
gc.collect()
del a, b
gc.collect()
kept_while_frozen = ref() is not None

# Sockets coming and going: some frozen objects are freed (by reference counting), more
# are frozen. Once the frozen objects have grown by a quarter and at least as many were
# freed since the last walk of all, one collection walks all of them again.
base = gc.get_freeze_count()  # what the last walk of all froze (the interpreter's too)
del kept[: base // 3]
more = [Node() for _ in range(base // 2 + base // 3)]
gc.collect()
gc.collect()
print(json.dumps({"kept_while_frozen": kept_while_frozen, "freed_by_the_walk": ref() is None}))
"""


def test_a_frozen_cycle_is_freed_once_the_frozen_objects_grew_by_a_quarter() -> None:
    assert _run(_CYCLES) == {"kept_while_frozen": True, "freed_by_the_walk": True}


_GROWTH = """
import gc, json, weakref
from blockdesk.common import collector

class Node:
    pass

collector.FLOOR = collector.CAP_FLOOR = 1_000
collector.COUNT_EVERY = 1
gc.collect()
collector.install()
kept = [Node() for _ in range(5_000)]
gc.collect()  # past the floor: unfrozen, so that ...
gc.collect()  # ... this one walks everything, and freezes it again
base = gc.get_freeze_count()  # what that walk of all froze (the interpreter's too)
a, b = Node(), Node()
a.other, b.other = b, a
ref = weakref.ref(a)
gc.collect()
del a, b  # a frozen cycle, garbage from now on

# Sockets opening, none closing: the frozen objects grow to three times the last walk's,
# all alive. No full collection walks them all (each would be a long pause, for nothing).
counts = []
for _ in range(4):
    kept += [Node() for _ in range(base // 2)]
    gc.collect()
    counts.append(gc.get_freeze_count())
held_while_growing = ref() is not None and min(counts) > 0

# Past CAP (4x the last real walk) the frozen objects are walked all the same, though
# none was freed: a kind of object that dies only in cycles, which the freed count
# cannot show, is bounded too.
kept += [Node() for _ in range(3 * base // 2)]
gc.collect()
gc.collect()
freed_past_the_cap = ref() is None

# Sockets coming and going (as many freed as frozen) with the frozen objects within a
# quarter of what was last measured: nothing is walked, a new frozen cycle stays.
a, b = Node(), Node()
a.other, b.other = b, a
ref = weakref.ref(a)
gc.collect()
del a, b
for _ in range(3):
    del kept[: base // 2]
    kept += [Node() for _ in range(base // 2)]
    gc.collect()
held_while_churning = ref() is not None
print(json.dumps({
    "held_while_growing": held_while_growing,
    "freed_past_the_cap": freed_past_the_cap,
    "held_while_churning": held_while_churning,
}))
"""


def test_growth_alone_walks_nothing_again_until_the_cap() -> None:
    """A flood's sockets opening: the frozen objects grow and none is freed; walking
    all of them at each quarter more paused a node 0.26-0.85 s again and again. Then
    sockets coming and going within what was measured walk nothing either."""
    assert _run(_GROWTH) == {
        "held_while_growing": True,
        "freed_past_the_cap": True,
        "held_while_churning": True,
    }


_COUNTED = """
import gc, json
from blockdesk.common import collector

class Node:
    pass

collector.FLOOR = 1_000
gc.collect()
collector.install()
kept = [Node() for _ in range(5_000)]
frozen_after = []
for _ in range(4):
    gc.collect()
    frozen_after.append(gc.get_freeze_count() > 0)
print(json.dumps({"frozen_after_each": frozen_after}))
"""


def test_the_frozen_objects_are_counted_every_fourth_full_collection() -> None:
    """Counting walks the frozen list: the growth is only looked at every COUNT_EVERY
    full collections (here the fourth finds it past the floor and unfreezes)."""
    assert _run(_COUNTED) == {"frozen_after_each": [True, True, True, False]}


def test_installing_twice_adds_one_callback() -> None:
    code = """
import gc, json
from blockdesk.common import collector
collector.install(); collector.install()
n = len(gc.callbacks)
collector.uninstall()
after = len(gc.callbacks)
print(json.dumps({"callbacks": n, "after_uninstall": after, "installed": collector.installed()}))
"""
    assert _run(code) == {"callbacks": 1, "after_uninstall": 0, "installed": False}


_SERVER = """
import json
import django
django.setup()
import blockdesk.asgi
from blockdesk.common import collector
print(json.dumps({"installed": collector.installed()}))
"""


def test_the_server_process_installs_it_unless_switched_off(tmp_path: Path) -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "blockdesk.settings",
        "BLOCKDESK_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BLOCKDESK_EMBEDDED_WORKER": "false",
    }
    assert _run(_SERVER, **env) == {"installed": True}
    assert _run(_SERVER, **env, BLOCKDESK_GC_FREEZE_SURVIVORS="false") == {"installed": False}
