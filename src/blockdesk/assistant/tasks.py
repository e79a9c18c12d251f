"""Background work of the assistant (run by the task worker; `make run` embeds one)."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from blockdesk.assistant import services


@task()
def handle_customer_message(message_id: int) -> str:
    """Answer, clarify or hand off one customer message."""
    turn = services.do_handle_customer_message(message_id=message_id)
    return turn.action if turn is not None else "skipped"


@task()
def resolve_if_silent(state_id: int) -> bool:
    """Runs when a "did this solve it?" times out: resolved unless the customer wrote."""
    return services._resolve_one(state_id, now=timezone.now())
