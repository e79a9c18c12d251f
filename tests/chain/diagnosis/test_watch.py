"""Watching a transaction with the real django-tasks database worker and a real local EVM
node: the task re-enqueues itself with run_after until the transaction settles, then the
``watch_finished`` hook fires once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from blockdesk.chain import services
from blockdesk.chain.models import TransactionWatch
from blockdesk.chain.signals import watch_finished
from blockdesk.common.errors import ValidationFailed
from tests.chain.diagnosis.conftest import REQUIRED_CONFIRMATIONS

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command(
        "db_worker", batch=True, queue_name="*", startup_delay=False, reload=False, verbosity=0
    )


def fast_forward() -> None:
    now = timezone.now()
    DBTaskResult.objects.filter(status="READY").update(run_after=now)
    TransactionWatch.objects.filter(state="watching").update(next_check_at=now)


@pytest.fixture
def finished() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: object, **kwargs: Any) -> None:
        calls.append(kwargs)

    watch_finished.connect(receiver, weak=False, dispatch_uid="test-watch-receiver")
    yield calls
    watch_finished.disconnect(dispatch_uid="test-watch-receiver")


def test_watch_follows_a_deposit_until_it_has_the_confirmations(
    account, nodes, deployed, registry, finished
):
    node = nodes[0]
    tx = node.send(node.fresh_account(), to=deployed.platform_deposit, value=10**18, gas=21_000)
    watch = services.do_watch_transaction(
        account_id=account.pk, tx_hash=tx, expected_asset="ETH", context={"conversation_id": 7}
    )
    run_worker()
    watch.refresh_from_db()
    assert (watch.state, watch.last_status, watch.checks) == ("watching", "confirming", 1)
    assert watch.chain_key == "localnet"  # found once; later checks ask only that chain
    assert watch.last_facts["confirmation"]["confirmations"] == 1
    (queued,) = DBTaskResult.objects.filter(status="READY")
    assert queued.run_after is not None and queued.run_after > timezone.now()
    assert finished == []

    run_worker()  # not due yet: nothing happens
    watch.refresh_from_db()
    assert watch.checks == 1

    node.mine(REQUIRED_CONFIRMATIONS - 1)
    fast_forward()
    run_worker()
    watch.refresh_from_db()
    assert (watch.state, watch.outcome, watch.checks) == ("finished", "confirmed", 2)
    assert not DBTaskResult.objects.filter(status="READY").exists()
    (call,) = finished
    assert call["outcome"] == "confirmed" and call["context"] == {"conversation_id": 7}
    assert call["diagnosis"].confirmation.confirmations == REQUIRED_CONFIRMATIONS
    assert call["watch"].pk == watch.pk


def test_watch_of_a_failed_transaction_ends_at_once(account, nodes, deployed, registry, finished):
    node = nodes[0]
    tx = node.call_contract(node.fresh_account(), deployed.faulty_a, "withdraw(uint256)", 1)
    watch = services.do_watch_transaction(account_id=account.pk, tx_hash=tx, chain_key="localnet")
    run_worker()
    watch.refresh_from_db()
    assert (watch.state, watch.outcome) == ("finished", "failed")
    assert finished[0]["diagnosis"].revert.message == "Withdrawal amount exceeds balance"


def test_watch_times_out(account, registry, finished):
    watch = services.do_watch_transaction(
        account_id=account.pk,
        tx_hash="0x" + "ee" * 32,
        chain_key="localnet",
        timeout=dt.timedelta(minutes=10),
    )
    assert services.do_check_watch(watch_id=watch.pk) == "watching"
    later = timezone.now() + dt.timedelta(minutes=11)
    TransactionWatch.objects.filter(pk=watch.pk).update(next_check_at=later)
    assert services.do_check_watch(watch_id=watch.pk, now=later) == "timeout"
    watch.refresh_from_db()
    assert (watch.outcome, watch.last_status) == ("timeout", "not_found")
    assert [c["outcome"] for c in finished] == ["timeout"]


def test_duplicate_checks_are_skipped_and_cancel_reports_once(account, registry, finished):
    watch = services.do_watch_transaction(
        account_id=account.pk, tx_hash="0x" + "ef" * 32, chain_key="localnet"
    )
    assert services.do_check_watch(watch_id=watch.pk) == "watching"
    # A second task for the same watch (e.g. the sweep raced the original) is not due yet.
    assert services.do_check_watch(watch_id=watch.pk) == "skipped"
    assert services.do_cancel_watch(watch=watch) is True
    assert services.do_cancel_watch(watch=watch) is False
    assert [(c["outcome"], c["diagnosis"]) for c in finished] == [("cancelled", None)]


def test_sweep_runs_due_watches_on_a_backend_that_cannot_wait(
    account, nodes, deployed, registry, finished, settings
):
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "webhooks"],
        }
    }
    node = nodes[0]
    tx = node.send(node.fresh_account(), to=deployed.platform_deposit, value=1, gas=21_000)
    watch = services.do_watch_transaction(account_id=account.pk, tx_hash=tx, chain_key="localnet")
    watch.refresh_from_db()
    assert watch.checks == 1 and watch.state == "watching"  # ran inline, could not defer
    node.mine(REQUIRED_CONFIRMATIONS)
    assert services.do_requeue_due_watches() == 0  # not due yet
    TransactionWatch.objects.filter(pk=watch.pk).update(next_check_at=timezone.now())
    assert services.do_requeue_due_watches() == 1
    watch.refresh_from_db()
    assert watch.outcome == "confirmed" and len(finished) == 1


def test_watch_rejects_something_that_is_not_a_hash(account):
    with pytest.raises(ValidationFailed):
        services.do_watch_transaction(account_id=account.pk, tx_hash="hello")
