"""Hooks for other apps.

``watch_finished`` is sent (after commit) when a transaction watch settles: confirmed, failed,
dropped, found on another network, timed out or cancelled. Receivers get keyword arguments
``watch`` (TransactionWatch), ``outcome`` (str), ``diagnosis`` (Diagnosis | None; None when
cancelled) and ``context`` (the dict given to ``do_watch_transaction``, e.g.
``{"conversation_id": 12}``). A failing receiver is logged and never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.dispatch import Signal

watch_finished = Signal()


def on_watch_finished(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: ``@on_watch_finished def notify(*, watch, outcome, diagnosis, context, **kw)``."""
    watch_finished.connect(func, weak=False, dispatch_uid=f"{func.__module__}.{func.__qualname__}")
    return func
