"""Controlled clocks for the report tests: every event written since the last step gets the
step's time (the consumer counts by each event's `occurred_at`), then the consumer runs."""

from __future__ import annotations

import datetime as dt

from django.forms.models import model_to_dict

from blockdesk.conversations import services as conv
from blockdesk.conversations.models import Conversation
from blockdesk.events.models import Event
from blockdesk.reports.event_consumers import CONSUMER
from blockdesk.reports.models import AgentDaily, DailyRollup, IntentDaily, TagDaily
from blockdesk.reports.rollup import EVENT_NAMES
from tests.events.support import drain

UTC = dt.UTC


class Clock:
    def __init__(self) -> None:
        last = Event.objects.order_by("-id").first()
        self.mark = last.pk if last else 0

    def step(self, when: dt.datetime) -> None:
        new = Event.objects.filter(pk__gt=self.mark)
        expected = new.filter(name__in=EVENT_NAMES).count()
        new.update(occurred_at=when)
        last = Event.objects.order_by("-id").first()
        self.mark = last.pk if last else self.mark
        drain(CONSUMER, expect=expected, timeout=60)


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def open_case(channel, contact, content: str = "My withdrawal is stuck") -> Conversation:
    sent = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content=content
    )
    return sent.message.conversation


def reply(agent, case: Conversation, content: str = "Looking into it", private=False) -> None:
    conv.do_send_agent_message(agent=agent, conversation=case, content=content, private=private)


def status(agent, case: Conversation, new: str) -> None:
    case.refresh_from_db()
    conv.do_change_status(actor=agent, conversation=case, status=new)


def totals(**filters) -> dict[str, float]:
    out: dict[str, float] = {}
    for row in DailyRollup.objects.filter(**filters):
        for name, value in model_to_dict(row).items():
            if isinstance(value, int | float) and name not in (
                "id",
                "account_id",
                "inbox_id",
                "team_id",
                "agent_id",
            ):
                out[name] = out.get(name, 0) + value
    return out


def snapshot() -> dict[str, list[tuple]]:
    """Every report row without its id: the same after a rebuild."""
    out = {}
    for model in (DailyRollup, AgentDaily, IntentDaily, TagDaily):
        rows = []
        for row in model.objects.all():
            d = model_to_dict(row)
            d.pop("id")
            rows.append(tuple(sorted((k, str(v)) for k, v in d.items() if v not in (0, 0.0))))
        out[model.__name__] = sorted(rows)
    return out
