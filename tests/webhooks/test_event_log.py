"""Webhooks as a consumer of the event log: a receiver down for an hour gets everything
afterwards, once; a failing consumer next to webhooks harms neither the request nor the
webhooks; a duplicate (webhook, event) delivery is impossible."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from blockdesk.conversations import services as conv
from blockdesk.conversations.models import Contact
from blockdesk.events import consumers, runner
from blockdesk.events.models import ConsumerRetry, Event
from blockdesk.webhooks import services
from blockdesk.webhooks.models import WebhookDelivery
from tests.webhooks.conftest import fan_out, run_worker
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = ["conversation.created", "message.created", "conversation.status_changed"]


def _shift_clock(delta: dt.timedelta) -> None:
    """Moves every waiting retry `delta` closer, as if that much time had passed."""
    for d in WebhookDelivery.objects.filter(status="retrying"):
        WebhookDelivery.objects.filter(pk=d.pk).update(next_attempt_at=d.next_attempt_at - delta)
    for task in DBTaskResult.objects.filter(status="READY", run_after__isnull=False):
        DBTaskResult.objects.filter(pk=task.pk).update(run_after=task.run_after - delta)


def test_a_receiver_down_for_an_hour_gets_every_event_afterwards_once(
    admin_user, agent, channel, account, receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 10
    webhook = services.do_create_webhook(actor=admin_user, url=receiver.url, events=EVENTS)
    receiver.secret = webhook.secret
    receiver.fail_with, receiver.failures = 503, 10**6  # down: 503 to everything

    # Events keep happening during the hour; the receiver answers 503 to each attempt.
    elapsed = dt.timedelta(0)
    step = dt.timedelta(minutes=10)
    for minute in range(6):
        contact = Contact.objects.create(account=account, name=f"C{minute}")
        message = conv.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=None, content=f"hi {minute}"
        ).message
        if minute % 2:
            conv.do_change_status(actor=agent, conversation=message.conversation, status="resolved")
        run_worker()
        _shift_clock(step)
        # A task lost meanwhile (a worker restart) is found again by the sweep.
        services.do_requeue_due_deliveries(now=timezone.now() + services.SWEEP_GRACE)
        elapsed += step
    assert elapsed == dt.timedelta(hours=1)
    event_ids = set(Event.objects.filter(name__in=EVENTS).values_list("pk", flat=True))
    assert len(event_ids) == 6 * 2 + 3
    assert {d.status for d in WebhookDelivery.objects.all()} == {"retrying"}
    assert all(r.status == 503 for r in receiver.received)

    receiver.failures = 0  # back up
    for _ in range(3):
        _shift_clock(dt.timedelta(hours=6))
        run_worker()

    assert {d.status for d in WebhookDelivery.objects.all()} == {"succeeded"}
    ok = [r for r in receiver.received if r.status == 200]
    assert sorted(r.json["id"] for r in ok) == sorted(event_ids)  # each once
    assert all(r.valid_signature for r in ok)
    assert {r.json["name"] for r in ok} == set(EVENTS)
    assert WebhookDelivery.objects.count() == len(event_ids)


@pytest.fixture
def raising_consumer() -> Iterator[list[int]]:
    seen: list[int] = []

    def explode(event: Event) -> None:
        seen.append(event.pk)
        raise RuntimeError("analytics is broken")

    consumers.register_consumer(
        "test.raising", explode, event_names=[*EVENTS, "webhook.created"], mode="transactional"
    )
    yield seen
    consumers.unregister_consumer("test.raising")


def test_a_raising_consumer_fails_neither_the_request_nor_webhooks(
    admin_user, channel, receiver, raising_consumer
):
    webhook = services.do_create_webhook(actor=admin_user, url=receiver.url, events=EVENTS)
    receiver.secret = webhook.secret
    visitor = Visitor(channel).start()

    response = visitor.send("where is my deposit?")
    assert response.status_code == 201, response.content

    # The raising consumer fails on 3 events (webhook.created, conversation.created,
    # message.created). Run until each is parked for a retry: a slow pass (a busy CI
    # machine) ends a consumer's transaction after BLOCKDESK_EVENT_TRANSACTION_MS and
    # leaves the rest to the next, so the number of passes is not fixed.
    retries = ConsumerRetry.objects.filter(consumer__name="test.raising")
    deadline = timezone.now() + dt.timedelta(seconds=20)
    while retries.count() < 3 and timezone.now() < deadline:
        runner.run_all_once()
    while runner.run_all_once() and timezone.now() < deadline:
        pass  # the other consumers (webhooks) to the end of the log too
    # Each of its events failed (the first one twice when the batch first ran in one
    # savepoint, then one event at a time).
    assert len(set(raising_consumer)) == 3
    assert retries.count() == 3
    assert "analytics is broken" in retries.first().last_error
    run_worker()
    assert sorted(r.headers["X-Blockdesk-Event"] for r in receiver.received) == [
        "conversation.created",
        "message.created",
    ]
    assert {d.status for d in WebhookDelivery.objects.all()} == {"succeeded"}


def test_one_delivery_per_webhook_and_event_whatever_runs(admin_user, channel, contact, receiver):
    webhook = services.do_create_webhook(actor=admin_user, url=receiver.url, events=EVENTS)
    conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hello"
    )
    # The fixtures' agent.added, webhook.created, conversation.created, message.created.
    assert fan_out() == Event.objects.count()
    event = Event.objects.get(name="message.created")
    # The consumer handed the same event again (a replay): no second delivery.
    with transaction.atomic():
        services.on_event(event)
    assert WebhookDelivery.objects.filter(event_id=event.pk).count() == 1
    # And the database refuses one, whatever code tries.
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookDelivery.objects.create(
            webhook=webhook, event="message.created", event_id=event.pk, payload={}
        )


def test_two_dispatchers_on_postgresql_never_duplicate_a_delivery(
    admin_user, channel, account, receiver
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (SQLite serialises writers)")
    services.do_create_webhook(actor=admin_user, url=receiver.url, events=EVENTS)
    services.do_create_webhook(actor=admin_user, url=receiver.url, events=["message.created"])
    for i in range(15):
        conv.do_send_contact_message(
            contact=Contact.objects.create(account=account, name=f"C{i}"),
            inbox=channel.inbox,
            conversation=None,
            content=f"hello {i}",
        )
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                if not consumers.dispatch_once("webhooks.fan_out", batch=3):
                    if WebhookDelivery.objects.count() >= 45:
                        return
                    time.sleep(0.02)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    # 15 x (conversation.created + message.created) for the first, 15 messages for the second.
    assert WebhookDelivery.objects.count() == 45
    pairs = list(WebhookDelivery.objects.values_list("webhook_id", "event_id"))
    assert len(set(pairs)) == len(pairs)
