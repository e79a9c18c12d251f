"""Reads kept for one group of work: a task that handles a flood's messages one after the
other (assistant.tasks.handle_customer_messages) asks the same few questions for each
(the inbox's assistant settings, an open surge, an open incident, the article it answers
with), one statement each per message. Inside `group_scope()` a function marked
`@per_group` answers each distinct set of arguments once; outside any scope it reads
every time, as before.

What is kept is as fresh as the group's first message: a surge or an incident opened, or a
setting changed, while a group runs is seen from the next group on (a group is at most
ten messages, well under a second). Mark only reads whose result the caller does not
change (the same object is handed to every caller in the scope).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

# (function, args, kwargs) -> result, for the scope this context is in; None: no scope.
_kept: ContextVar[dict[Hashable, Any] | None] = ContextVar("group_memo", default=None)


@contextlib.contextmanager
def group_scope() -> Iterator[None]:
    """Reads marked `@per_group` answered once each inside the block. Nested scopes share
    the outer one (a task run inside another's scope reads as fresh as that one)."""
    if _kept.get() is not None:
        yield
        return
    token = _kept.set({})
    try:
        yield
    finally:
        _kept.reset(token)


def per_group(fn: Callable[P, R]) -> Callable[P, R]:
    """Kept for the current `group_scope()` by its (hashable) arguments."""

    @functools.wraps(fn)
    def read(*args: P.args, **kwargs: P.kwargs) -> R:
        kept = _kept.get()
        if kept is None:
            return fn(*args, **kwargs)
        key = _key(fn, args, kwargs)
        if key not in kept:
            kept[key] = fn(*args, **kwargs)
        return kept[key]

    return read


def prime(read: Callable[P, R], result: R, *args: P.args, **kwargs: P.kwargs) -> None:
    """Inside a scope: `read(*args, **kwargs)`, a `@per_group` function, answers `result`
    without reading (a caller that read many rows in one statement, e.g. the moods of a
    group's messages). Outside any scope: nothing."""
    kept = _kept.get()
    if kept is not None:
        kept[_key(read.__wrapped__, args, kwargs)] = result  # type: ignore[attr-defined]


def _key(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable:
    return (fn, args, tuple(sorted(kwargs.items())))
