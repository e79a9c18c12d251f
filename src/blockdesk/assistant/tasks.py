"""Background work of the assistant (run by the task worker; `make run` embeds one)."""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from blockdesk.assistant import engine, selectors, services
from blockdesk.common.group_memo import group_scope
from blockdesk.mood import selectors as mood_selectors

logger = logging.getLogger(__name__)


@task()
def handle_customer_message(message_id: int) -> str:
    """Answer, clarify or hand off one customer message."""
    turn = services.do_handle_customer_message(message_id=message_id)
    return turn.action if turn is not None else "skipped"


@task()
def handle_customer_messages(message_ids: list[int]) -> dict[str, int]:
    """Several customer messages (a flood's batch, event_consumers.py), one after the
    other; each is idempotent and hands its case to a person if it breaks, and one that
    still raises does not cost the others their answer. The reads every message repeats
    (the inbox's settings, an open surge or incident, the articles answered with, the
    messages' moods) are made once for the group (common/group_memo.py)."""
    done: dict[str, int] = {}
    engine.prepare_ahead(messages=selectors.customer_message_texts(message_ids=message_ids))
    with group_scope():
        mood_selectors.prefetch_message_moods(message_ids=message_ids)
        for message_id in message_ids:
            action = _handled(message_id)
            done[action] = done.get(action, 0) + 1
    return done


def _handled(message_id: int) -> str:
    try:
        turn = services.do_handle_customer_message(message_id=message_id)
    except Exception:
        # Broad on purpose: the other messages of the batch still get their answer;
        # this one is logged with its traceback, as a failed task of its own would be.
        logger.exception("assistant: message %s failed in its batch", message_id)
        return "failed"
    return turn.action if turn is not None else "skipped"


@task()
def resolve_if_silent(state_id: int) -> bool:
    """Runs when a "did this solve it?" times out: resolved unless the customer wrote."""
    return services._resolve_one(state_id, now=timezone.now())
