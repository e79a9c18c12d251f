"""A transactional consumer's batch handler: one call per batch, and a failing batch handed
out again one event at a time so only the failing event is retried."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from django.core.exceptions import ImproperlyConfigured

from blockdesk.accounts.models import Account
from blockdesk.events import consumers
from blockdesk.events.models import ConsumerCursor, ConsumerRetry, Event
from tests.events import support

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_batch_is_one_call_with_the_same_effect(account: Account) -> None:
    batches: list[list[int]] = []

    def project_all(events: Sequence[Event]) -> None:
        batches.append([e.pk for e in events])
        for event in events:
            support.project(event)

    consumers.register_consumer("t.batch", support.project, batch_handler=project_all)
    ids = support.emit_pings(account.pk, 5)
    support.wait_readable(ids)  # one pass, one batch
    assert support.drain("t.batch", expect=5) == 5
    assert batches == [ids]
    assert support.effects() == ids
    assert ConsumerCursor.objects.get(name="t.batch").position_id == ids[-1]


def test_a_failing_batch_is_handled_one_event_at_a_time(account: Account) -> None:
    singles: list[int] = []

    def project_all(events: Sequence[Event]) -> None:
        for event in events:
            support.project(event)  # rolled back with the batch's savepoint
        raise ValueError("the batch fails as a whole")

    def project_one(event: Event) -> None:
        singles.append(event.pk)
        support.project(event)
        if event.payload["n"] == 2:
            raise ValueError("this one fails alone")

    consumers.register_consumer("t.batch_fail", project_one, batch_handler=project_all)
    ids = support.emit_pings(account.pk, 4)
    assert support.drain("t.batch_fail", expect=4) == 4
    assert singles == ids
    # Nothing of the failed batch stayed; each good event's effect is there once.
    assert support.effects() == [ids[0], ids[1], ids[3]]
    retry = ConsumerRetry.objects.get(consumer__name="t.batch_fail")
    assert (retry.event_id, retry.attempts) == (ids[2], 1)


def test_a_single_event_goes_to_the_handler(account: Account) -> None:
    batches: list[int] = []
    consumers.register_consumer(
        "t.batch_one", support.project, batch_handler=lambda events: batches.append(len(events))
    )
    ids = support.emit_pings(account.pk, 1)
    assert support.drain("t.batch_one", expect=1) == 1
    assert batches == []
    assert support.effects() == ids


def test_only_a_transactional_consumer_takes_a_batch_handler() -> None:
    with pytest.raises(ImproperlyConfigured):
        consumers.register_consumer(
            "t.batch_alo",
            support.project,
            mode="at_least_once",
            batch_handler=lambda events: None,
        )
