"""Per-event work that must stay cheap: webhook subscriptions are cached per account (and
the cache follows every change), display numbers take one statement, and the embedded
channel layer still gives every receiver its own copy of an event."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from blockdesk.common.layers import LocalChannelLayer, copy_message
from blockdesk.conversations import numbering
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import ConversationSequence
from blockdesk.events.models import Event
from blockdesk.webhooks import services
from blockdesk.webhooks.models import Webhook, WebhookDelivery

URL = "https://hooks.example.com/blockdesk"
_ids = itertools.count(1)


def _event(account_id: int, name: str) -> Event:
    """An event as the fan-out consumer gets it from the log (not stored: the consumer
    only reads its fields)."""
    return Event(
        pk=next(_ids),
        account_id=account_id,
        name=name,
        version=1,
        occurred_at=timezone.now(),
        actor_kind="system",
        subject_type="test",
        payload={"id": 1},
    )


def _queue(account_id: int, name: str) -> int:
    """Deliveries the consumer creates for one event."""
    before = WebhookDelivery.objects.count()
    with transaction.atomic():
        services.on_event(_event(account_id, name))
    return WebhookDelivery.objects.count() - before


@pytest.fixture
def public_dns(monkeypatch):
    # Webhook URLs are resolved and checked on save; no network in these tests.
    monkeypatch.setattr(services, "resolve_target", lambda url: None)


@pytest.mark.django_db
def test_events_of_an_account_without_webhooks_cost_no_query_once_cached(
    account, django_assert_num_queries
):
    services.on_event(_event(account.pk, "message.created"))
    with django_assert_num_queries(0):
        for name in ("message.created", "conversation.created", "message.created"):
            services.on_event(_event(account.pk, name))
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.django_db
def test_subscription_cache_follows_create_disable_and_delete(admin_user, account, public_dns):
    def queue() -> int:
        return _queue(account.pk, "message.created")

    assert queue() == 0  # caches "no subscriptions"
    webhook = services.do_create_webhook(actor=admin_user, url=URL, events=["message.created"])
    assert queue() == 1
    services.do_set_webhook_active(actor=admin_user, webhook=webhook, active=False)
    assert queue() == 0
    services.do_update_webhook(
        actor=admin_user, webhook=webhook, url=URL, events=["message.created"], active=True
    )
    assert queue() == 1
    services.do_delete_webhook(actor=admin_user, webhook=webhook)
    assert queue() == 0
    # Outside the services too (admin, shell, tests): model signals drop the cache.
    Webhook.objects.create(account=account, url=URL, events=["message.created"])
    assert queue() == 1
    assert WebhookDelivery.objects.count() == 1  # the deleted webhook's went with it


@pytest.mark.django_db
def test_subscriptions_are_per_event_and_per_account(
    admin_user, account, other_account, public_dns
):
    services.do_create_webhook(actor=admin_user, url=URL, events=["conversation.created"])
    assert services.subscribed_events(account_id=account.pk) == {"conversation.created"}
    assert services.subscribed_events(account_id=other_account.pk) == frozenset()
    assert _queue(account.pk, "message.created") == 0


@pytest.mark.django_db
def test_display_numbers_count_up_per_account(channel, contact, other_account):
    numbers = [
        conv_services.do_create_conversation(inbox=channel.inbox, contact=contact).display_id
        for _ in range(3)
    ]
    assert numbers == [1, 2, 3]
    assert numbering.next_display_id(other_account.pk) == 1
    assert ConversationSequence.objects.get(account=channel.inbox.account).last_number == 3


@pytest.mark.django_db(transaction=True)
def test_postgresql_counter_row_is_not_held_until_commit(channel, contact):
    """Another node numbering a new case must not wait for this whole transaction."""
    if connection.vendor != "postgresql" or getattr(connection, "pool", None) is None:
        pytest.skip("PostgreSQL with the connection pool only (SQLite has one writer)")
    conv_services.do_create_conversation(inbox=channel.inbox, contact=contact)  # the row exists
    other: dict[str, object] = {}

    def other_node() -> None:
        side = connections.create_connection("default")
        try:
            with side.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute(
                    "UPDATE conversations_conversationsequence SET last_number = last_number + 1"
                    " WHERE account_id = %s RETURNING last_number",
                    [channel.inbox.account_id],
                )
                other["number"] = cursor.fetchone()[0]
        except Exception as exc:  # a lock timeout here is the regression
            other["error"] = exc
        finally:
            side.close()

    with transaction.atomic():
        mine = conv_services.do_create_conversation(inbox=channel.inbox, contact=contact)
        thread = threading.Thread(target=other_node)
        thread.start()
        thread.join(10)
    assert "error" not in other, other.get("error")
    assert mine.display_id == 2 and other["number"] == 3


@pytest.mark.django_db(transaction=True)
def test_postgresql_numbering_does_not_wait_for_the_requests_pool(channel, contact):
    """Every connection of the requests' pool held (a burst): a new case is still numbered
    on a side connection at once, committed apart, not after the side wait's timeout."""
    pool = getattr(connection, "pool", None)
    if connection.vendor != "postgresql" or pool is None:
        pytest.skip("PostgreSQL with the connection pool only (SQLite has one writer)")
    from psycopg_pool import PoolTimeout

    conv_services.do_create_conversation(inbox=channel.inbox, contact=contact)  # the row exists
    held = []
    try:
        with transaction.atomic():
            while True:  # the rest of the requests' pool (this test's connection has one)
                try:
                    held.append(pool.getconn(timeout=0.05))
                except PoolTimeout:
                    break
            started = time.monotonic()
            mine = conv_services.do_create_conversation(inbox=channel.inbox, contact=contact)
            elapsed = time.monotonic() - started
            with connection.side_pool.connection() as side:  # type: ignore[attr-defined]
                (committed,) = side.execute(
                    "SELECT last_number FROM conversations_conversationsequence"
                    " WHERE account_id = %s",
                    [channel.inbox.account_id],
                ).fetchone()
    finally:
        for raw in held:
            pool.putconn(raw)
    assert mine.display_id == 2
    assert committed == 2  # bumped on a side connection: visible before this commit
    assert elapsed < numbering.SIDE_POOL_TIMEOUT_S


async def test_every_receiver_gets_its_own_copy_of_an_event():
    layer = LocalChannelLayer()
    a, b = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("inbox.1", a)
    await layer.group_add("inbox.1", b)
    event = {"type": "broadcast", "event": {"message": {"attachments": [{"id": 1}], "n": 1.5}}}
    await layer.group_send("inbox.1", event)
    first = await asyncio.wait_for(layer.receive(a), 1)
    first["event"]["message"]["attachments"].append({"id": 2})
    second = await asyncio.wait_for(layer.receive(b), 1)
    assert second["event"]["message"]["attachments"] == [{"id": 1}]
    assert event["event"]["message"]["attachments"] == [{"id": 1}]
    assert second == {
        "type": "broadcast",
        "event": {"message": {"attachments": [{"id": 1}], "n": 1.5}},
    }


def test_copy_message_falls_back_to_deepcopy_for_other_types():
    shared = {"k": [1]}
    value = {"tuple": (shared,), "set": {1, 2}}
    copied = copy_message(value)
    assert copied == value
    assert copied["tuple"][0] is not shared and copied["set"] is not value["set"]


@pytest.mark.django_db(transaction=True)
def test_postgresql_numbering_falls_back_when_its_own_transaction_holds_the_row(channel, contact):
    """The caller bumped inline earlier in its transaction (its row is locked by itself):
    the side connection gives up after its lock timeout and the bump runs inline."""
    if connection.vendor != "postgresql" or getattr(connection, "pool", None) is None:
        pytest.skip("PostgreSQL with the connection pool only (SQLite has one writer)")
    from blockdesk.common.postgresql_backend.base import SIDE_LOCK_TIMEOUT

    account_id = channel.inbox.account_id
    conv_services.do_create_conversation(inbox=channel.inbox, contact=contact)  # the row exists
    with transaction.atomic():
        assert numbering._upsert(connection, account_id) == 2  # inline: this transaction's lock
        started = time.monotonic()
        assert numbering.next_display_id(account_id) == 3
        elapsed = time.monotonic() - started
    assert float(SIDE_LOCK_TIMEOUT.removesuffix("s")) <= elapsed < 5
    assert ConversationSequence.objects.get(account_id=account_id).last_number == 3
