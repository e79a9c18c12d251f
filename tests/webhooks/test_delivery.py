"""Webhook delivery end to end: events in the log → the fan-out consumer → deliveries →
the real DB task worker → a real HTTP receiver that verifies signatures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from blockdesk.accounts.models import User
from blockdesk.accounts.services import do_create_agent
from blockdesk.common.errors import ValidationFailed
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations import services as conv
from blockdesk.conversations.models import Contact
from blockdesk.webhooks import services
from blockdesk.webhooks.models import Webhook, WebhookDelivery
from blockdesk.webhooks.signing import sign, verify
from tests.conftest import PASSWORD
from tests.webhooks.conftest import fan_out, fast_forward, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

ALL_EVENTS = [
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "message.created",
]


def _hook(admin: User, url: str, events: list[str] | None = None) -> Webhook:
    return services.do_create_webhook(actor=admin, url=url, events=events or ALL_EVENTS)


def _write(channel, contact, content: str = "where is my deposit?"):
    message = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content=content
    ).message
    fan_out()
    return message


def test_events_are_delivered_signed_by_the_db_worker(admin_user, channel, contact, receiver):
    webhook = _hook(admin_user, receiver.url)
    receiver.secret = webhook.secret
    message = _write(channel, contact)
    deliveries = list(WebhookDelivery.objects.order_by("id"))
    assert [d.event for d in deliveries] == ["conversation.created", "message.created"]
    assert receiver.received == []  # nothing is sent in the request itself
    assert DBTaskResult.objects.filter(queue_name="webhooks").count() == 2

    run_worker()

    assert len(receiver.received) == 2
    assert all(r.valid_signature for r in receiver.received)
    by_event = {r.headers["X-Blockdesk-Event"]: r for r in receiver.received}
    got = by_event["message.created"]
    delivery = WebhookDelivery.objects.get(event="message.created")
    assert got.headers["X-Blockdesk-Delivery"] == str(delivery.pk)
    assert got.headers["X-Blockdesk-Signature"].startswith("sha256=")
    assert got.headers["X-Blockdesk-Event-Id"] == str(delivery.event_id)
    # The body is the event's envelope (docs/webhooks.md), not the console serializer.
    assert got.json["id"] == delivery.event_id
    assert (got.json["name"], got.json["version"]) == ("message.created", 1)
    assert got.json["account_id"] == webhook.account_id
    assert got.json["actor"] == {"kind": "contact", "id": message.sender_contact_id}
    assert got.json["subject"] == {"type": "message", "id": message.pk}
    assert got.json["data"]["id"] == message.pk
    assert got.json["data"]["content"] == "where is my deposit?"
    assert got.json["data"]["sender"] == {"kind": "contact", "id": message.sender_contact_id}
    assert got.json["data"]["private"] is False
    assert got.json["occurred_at"]
    # The signature covers timestamp and body exactly.
    stamp = int(got.headers["X-Blockdesk-Timestamp"])
    assert got.headers["X-Blockdesk-Signature"] == sign(
        secret=webhook.secret, timestamp=stamp, body=got.body
    )
    for d in WebhookDelivery.objects.all():
        assert (d.status, d.attempts, d.last_status_code) == ("succeeded", 1, 200)
        assert d.delivered_at is not None and d.next_attempt_at is None


def test_receiver_down_then_up_loses_nothing(admin_user, channel, account, down_receiver):
    webhook = _hook(admin_user, down_receiver.url, ["conversation.created", "message.created"])
    down_receiver.secret = webhook.secret
    for i in range(3):
        _write(channel, Contact.objects.create(account=account, name=f"C{i}"), f"hello {i}")
    expected = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert len(expected) == 6

    run_worker()  # the port is closed: every attempt fails to connect
    waiting = WebhookDelivery.objects.all()
    assert {d.status for d in waiting} == {"retrying"}
    assert all(d.attempts == 1 and d.next_attempt_at > timezone.now() for d in waiting)
    assert {d.last_error for d in waiting} == {"Could not connect."}
    run_worker()  # not due yet: nothing is attempted early
    assert {d.attempts for d in WebhookDelivery.objects.all()} == {1}

    down_receiver.start()
    down_receiver.failures = 2  # it comes up unhealthy at first
    fast_forward()
    run_worker()
    fast_forward()
    run_worker()

    delivered = WebhookDelivery.objects.all()
    assert {d.status for d in delivered} == {"succeeded"}
    received_ids = {int(r.headers["X-Blockdesk-Delivery"]) for r in down_receiver.received}
    assert received_ids == expected
    assert all(r.valid_signature for r in down_receiver.received)
    assert sum(d.attempts for d in delivered) == 6 + 6 + 2
    assert DBTaskResult.objects.filter(queue_name="webhooks", status="FAILED").count() == 0


def test_gives_up_after_max_attempts_then_admin_retry_delivers(
    admin_user, channel, contact, receiver, settings
):
    webhook = _hook(admin_user, receiver.url, ["conversation.created"])
    receiver.secret = webhook.secret
    receiver.failures = 100
    _write(channel, contact)
    for _ in range(settings.WEBHOOK_MAX_ATTEMPTS + 2):
        run_worker()
        fast_forward()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempts == settings.WEBHOOK_MAX_ATTEMPTS
    assert delivery.last_status_code == 500
    assert delivery.last_error.startswith("HTTP 500")
    assert len(receiver.received) == settings.WEBHOOK_MAX_ATTEMPTS

    receiver.failures = 0
    assert services.do_retry_delivery(actor=admin_user, delivery=delivery)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.attempts == settings.WEBHOOK_MAX_ATTEMPTS + 1


def test_wrong_secret_fails_verification(admin_user, channel, contact, receiver):
    _hook(admin_user, receiver.url, ["conversation.created"])
    receiver.secret = "whsec_not-the-right-one"
    _write(channel, contact)
    run_worker()
    assert len(receiver.received) == 1
    assert receiver.received[0].valid_signature is False
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_status_code) == ("retrying", 401)


def test_rotated_secret_signs_from_then_on(admin_user, channel, contact, receiver):
    webhook = _hook(admin_user, receiver.url, ["conversation.created"])
    old = webhook.secret
    services.do_rotate_webhook_secret(actor=admin_user, webhook=webhook)
    webhook.refresh_from_db()
    assert webhook.secret != old
    receiver.secret = webhook.secret
    _write(channel, contact)
    run_worker()
    assert [r.valid_signature for r in receiver.received] == [True]


def test_events_are_filtered_by_subscription(admin_user, agent, channel, contact, receiver):
    webhook = _hook(admin_user, receiver.url, ["conversation.status_changed"])
    receiver.secret = webhook.secret
    message = _write(channel, contact)
    conv.do_send_agent_message(agent=agent, conversation=message.conversation, content="on it")
    conv.do_change_status(actor=agent, conversation=message.conversation, status="resolved")
    run_worker()
    assert [r.headers["X-Blockdesk-Event"] for r in receiver.received] == [
        "conversation.status_changed"
    ]
    body = receiver.received[0].json["data"]
    assert (body["old"], body["new"]) == ("open", "resolved")
    assert body["conversation"]["status"] == "resolved"
    assert receiver.received[0].json["actor"] == {"kind": "agent", "id": agent.pk}


def test_disabled_webhooks_and_other_accounts_never_receive(
    admin_user, channel, contact, other_account, receiver, down_receiver
):
    other_admin = do_create_agent(
        account=other_account,
        username="oa",
        email="oa@example.com",
        password=PASSWORD,
        role="admin",
    )
    ours = _hook(admin_user, receiver.url)
    receiver.secret = ours.secret
    theirs = _hook(other_admin, down_receiver.url)
    down_receiver.secret = theirs.secret
    down_receiver.start()
    disabled = _hook(admin_user, down_receiver.url)
    services.do_set_webhook_active(actor=admin_user, webhook=disabled, active=False)

    _write(channel, contact)
    run_worker()

    assert len(receiver.received) == 2
    assert down_receiver.received == []
    assert not WebhookDelivery.objects.filter(webhook__in=[theirs, disabled]).exists()
    # And their events do not reach us.
    their_inbox = do_create_web_widget_inbox(account=other_account, name="Theirs")
    _write(their_inbox, Contact.objects.create(account=other_account, name="Eve"))
    run_worker()
    assert len(receiver.received) == 2
    assert len(down_receiver.received) == 2


def test_disabling_stops_waiting_deliveries(admin_user, channel, contact, down_receiver):
    webhook = _hook(admin_user, down_receiver.url, ["conversation.created"])
    _write(channel, contact)
    run_worker()
    services.do_set_webhook_active(actor=admin_user, webhook=webhook, active=False)
    fast_forward()
    run_worker()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert "disabled" in delivery.last_error


def test_duplicate_tasks_send_once(admin_user, channel, contact, receiver):
    from blockdesk.webhooks.tasks import deliver_webhook

    webhook = _hook(admin_user, receiver.url, ["conversation.created"])
    receiver.secret = webhook.secret
    _write(channel, contact)
    delivery = WebhookDelivery.objects.get()
    deliver_webhook.enqueue(delivery.pk)  # e.g. the sweep and the original both queued
    run_worker()
    assert len(receiver.received) == 1
    assert services.do_attempt_delivery(delivery_id=delivery.pk) == "skipped"


def test_sweep_requeues_deliveries_whose_task_was_lost(admin_user, channel, contact, receiver):
    webhook = _hook(admin_user, receiver.url, ["conversation.created"])
    receiver.secret = webhook.secret
    _write(channel, contact)
    DBTaskResult.objects.all().delete()  # as if the process died before enqueueing
    delivery = WebhookDelivery.objects.get()
    assert services.do_requeue_due_deliveries() == 0  # not overdue yet
    later = timezone.now() + services.SWEEP_GRACE + dt.timedelta(seconds=1)
    assert services.do_requeue_due_deliveries(now=later) == 1
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert len(receiver.received) == 1


def test_immediate_backend_delivers_inline(admin_user, channel, contact, receiver, settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "webhooks"],
        }
    }
    webhook = _hook(admin_user, receiver.url, ["conversation.created"])
    receiver.secret = webhook.secret
    receiver.failures = 1
    _write(channel, contact)
    delivery = WebhookDelivery.objects.get()
    # Sent at once; the failure waits for the sweep (this backend cannot schedule).
    assert (delivery.status, delivery.attempts) == ("retrying", 1)
    assert len(receiver.received) == 1
    overdue = timezone.now() - services.SWEEP_GRACE - dt.timedelta(seconds=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=overdue)
    assert services.do_requeue_due_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"


def test_retry_delay_grows_with_jitter():
    delays = [services.retry_delay(n) for n in range(1, 8)]
    for n, delay in enumerate(delays, start=1):
        base = services.RETRY_BASE_SECONDS * 2 ** (n - 1)
        assert base <= delay <= base * 1.25
    assert services.retry_delay(50) <= services.RETRY_MAX_SECONDS * 1.25


# --- SSRF guard and validation ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_private_targets_are_refused_on_save(admin_user, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationFailed) as exc:
        services.do_create_webhook(actor=admin_user, url=url, events=ALL_EVENTS)
    assert "url" in exc.value.fields
    assert not Webhook.objects.exists()


def test_public_address_is_accepted(admin_user, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    webhook = services.do_create_webhook(
        actor=admin_user, url="https://93.184.215.14/hook", events=["message.created"]
    )
    assert webhook.pk


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("ftp://example.com/x", ALL_EVENTS, "url"),
        ("https://user:secret@example.com/x", ALL_EVENTS, "url"),
        ("https://93.184.215.14/x", [], "events"),
        ("https://93.184.215.14/x", ["conversation.deleted"], "events"),
    ],
)
def test_webhook_validation(admin_user, url, events, field):
    with pytest.raises(ValidationFailed) as exc:
        services.do_create_webhook(actor=admin_user, url=url, events=events)
    assert field in exc.value.fields


def test_private_target_is_refused_again_at_send_time(
    admin_user, channel, contact, receiver, settings
):
    _hook(admin_user, receiver.url, ["conversation.created"])
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # e.g. DNS now points inside
    _write(channel, contact)
    run_worker()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert "private" in delivery.last_error
    assert receiver.received == []


def test_only_admins_configure_webhooks(agent, receiver):
    from blockdesk.common.errors import Forbidden

    with pytest.raises(Forbidden):
        services.do_create_webhook(actor=agent, url=receiver.url, events=ALL_EVENTS)


def test_secret_is_encrypted_at_rest(admin_user, receiver):
    from django.db import connection

    webhook = _hook(admin_user, receiver.url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhook WHERE id = %s", [webhook.pk])
        stored = cursor.fetchone()[0]
    assert webhook.secret.startswith("whsec_")
    assert webhook.secret not in stored


def test_verify_refuses_old_timestamps_and_tampering():
    body = b'{"id":1}'
    sig = sign(secret="s", timestamp=1000, body=body)
    assert verify(secret="s", timestamp="1000", body=body, signature=sig, now=1100)
    assert not verify(secret="s", timestamp="1000", body=body, signature=sig, now=2000)
    assert not verify(secret="s", timestamp="1000", body=body + b" ", signature=sig, now=1000)
    assert not verify(secret="t", timestamp="1000", body=body, signature=sig, now=1000)
    assert not verify(secret="s", timestamp="x", body=body, signature=sig, now=1000)
