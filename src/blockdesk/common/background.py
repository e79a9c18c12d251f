"""Loops that `manage.py serve` runs in threads beside the server in the embedded mode, next
to the periodic jobs (the event dispatcher is one). Apps register theirs from
AppConfig.ready(), so the entry point, which lives in `common`, imports no app."""

from __future__ import annotations

from collections.abc import Callable

Loop = Callable[[], object]

_loops: dict[str, Loop] = {}


def register_background_loop(name: str, loop: Loop) -> None:
    """`loop` runs until the process ends (a daemon thread named `name`)."""
    _loops[name] = loop


def background_loops() -> list[tuple[str, Loop]]:
    return sorted(_loops.items())
