"""A transaction that vanished from the network: sped up, cancelled, replaced or dropped.

Real local ganache nodes again. Ganache cannot replace a pooled transaction (it mines both
copies of a nonce), so the replacement is staged the way the network looks afterwards: the
first transaction is seen pending, then a snapshot revert removes it from the pool (as a
geth node does when a higher-fee copy arrives, or when it evicts it) and the replacement is
mined with the same nonce. The diagnosis only ever sees JSON-RPC answers, exactly as from a
production node.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.utils import timezone

from blockdesk.chain import services
from blockdesk.chain.diagnosis.explain import explain
from blockdesk.chain.diagnosis.facts import Advice, Status
from blockdesk.chain.models import TransactionSighting, TransactionWatch
from tests.chain.diagnosis.conftest import REQUIRED_CONFIRMATIONS
from tests.support.evm_node import GWEI, EvmNode

pytestmark = pytest.mark.django_db

ETHER = 10**18


def diagnose(account, tx_hash, **kw):  # type: ignore[no-untyped-def]
    return services.diagnose_transaction(tx_hash=tx_hash, account_id=account.pk, **kw)


@contextlib.contextmanager
def forgotten_by_the_network(node: EvmNode) -> Iterator[None]:
    """What is sent inside waits in the pool, then leaves it unmined when the block ends."""
    with node.mining_paused():
        snapshot = node.rpc("evm_snapshot")
        yield
        assert node.rpc("evm_revert", snapshot) is True
    assert node.rpc("txpool_content")["pending"] == {}


def seen_pending(account, node: EvmNode, user, **send):  # type: ignore[no-untyped-def]
    """Broadcast with a low fee, diagnose it while pending (the platform remembers it)."""
    base = node.base_fee()
    tx = node.send(user, gas=21_000, max_fee=base + GWEI, priority_fee=GWEI // 10, **send)
    first = diagnose(account, tx, chain_key="localnet")
    assert first.status is Status.PENDING and first.sighting is not None
    return tx


def test_a_sped_up_deposit_points_to_the_copy_that_carries_it(account, nodes, deployed, registry):
    node = nodes[0]
    user = node.fresh_account()
    with forgotten_by_the_network(node):
        original = seen_pending(account, node, user, to=deployed.platform_deposit, value=ETHER)
    row = TransactionSighting.objects.get(account=account)
    assert row.tx_digits == original[2:] and row.nonce == 0 and row.from_address == user.address
    assert diagnose(account, original, chain_key="localnet").status is Status.DROPPED

    faster = node.send(
        user, to=deployed.platform_deposit, value=ETHER, gas=21_000, nonce=0, max_fee=5 * GWEI
    )
    node.mine(REQUIRED_CONFIRMATIONS - 1)
    d = diagnose(account, original, chain_key="localnet")
    assert d.status is Status.DROPPED and d.seen_before and d.settled
    assert d.nonce is not None and d.nonce.replaced
    r = d.replaced_by
    assert r is not None
    assert (r.tx_hash, r.kind, r.status) == (faster, "speed_up", Status.CONFIRMED)
    assert r.confirmations == REQUIRED_CONFIRMATIONS
    assert r.explorer_url == f"https://explorer.invalid/tx/{faster}"
    assert d.advice == (Advice.FOLLOW_REPLACEMENT,)
    assert d.as_dict()["replaced_by"]["kind"] == "speed_up"

    en, zh = explain(d, "en"), explain(d, "zh-hans")
    assert en.title == "Your wallet replaced this transaction with a faster copy"
    assert "same payment again with a higher fee" in en.text and faster in en.text
    assert f"has {REQUIRED_CONFIRMATIONS} confirmations" in en.text
    assert any(faster in step and "From now on" in step for step in en.steps)
    assert "加速" in zh.text and faster in zh.text and "以新交易" in zh.text


def test_a_cancelled_transaction_says_the_amount_stayed(account, nodes, deployed, registry):
    node = nodes[0]
    user = node.fresh_account()
    with forgotten_by_the_network(node):
        original = seen_pending(account, node, user, to=deployed.platform_deposit, value=ETHER)
    cancel = node.send(user, to=user.address, value=0, gas=21_000, nonce=0, max_fee=5 * GWEI)
    d = diagnose(account, original, chain_key="localnet")
    assert d.status is Status.DROPPED
    assert d.replaced_by is not None and d.replaced_by.kind == "cancel"
    assert d.replaced_by.tx_hash == cancel and d.replaced_by.status is Status.CONFIRMING
    assert d.advice == ()
    en = explain(d, "en")
    assert en.title == "This transaction was cancelled"
    assert "sent 0 ETH to itself" in en.text and "did not leave your wallet" in en.text
    assert "1 of the 3 confirmations" in en.text
    assert "已被取消" in explain(d, "zh-hans").text


def test_another_payment_with_the_same_nonce(account, nodes, deployed, registry):
    node = nodes[0]
    user, elsewhere = node.fresh_account(), node.fresh_account()
    with forgotten_by_the_network(node):
        original = seen_pending(account, node, user, to=deployed.platform_deposit, value=ETHER)
    other = node.send(user, to=elsewhere.address, value=ETHER, gas=21_000, nonce=0)
    d = diagnose(account, original, chain_key="localnet")
    assert d.replaced_by is not None and d.replaced_by.kind == "other"
    assert d.replaced_by.tx_hash == other
    assert "was included instead" in explain(d, "en").text


def test_dropped_unmined_leaves_the_nonce_free(account, nodes, deployed, registry):
    node = nodes[0]
    user = node.fresh_account()
    with forgotten_by_the_network(node):
        original = seen_pending(account, node, user, to=deployed.platform_deposit, value=ETHER)
    d = diagnose(account, original, chain_key="localnet")
    assert d.status is Status.DROPPED and d.seen_before and d.replaced_by is None
    assert d.nonce is not None and not d.nonce.replaced and d.nonce.next_nonce == 0
    assert d.advice == (Advice.SEND_AGAIN,)
    en, zh = explain(d, "en").text, explain(d, "zh-hans").text
    assert "dropped before being included in a block" in en and "so it has not sent anything" in en
    assert "can still re-send the old one" in en
    assert "被网络丢弃" in zh and "没有转出任何资产" in zh


def test_a_hash_never_seen_pending_is_still_just_not_found(account, nodes, registry):
    node = nodes[0]
    user = node.fresh_account()
    with forgotten_by_the_network(node):
        base = node.base_fee()
        tx = node.send(user, to=user.address, value=1, gas=21_000, max_fee=base + GWEI)
    assert not TransactionSighting.objects.exists()
    assert diagnose(account, tx, chain_key="localnet").status is Status.NOT_FOUND


def test_old_sightings_are_purged(account, nodes, deployed, registry):
    node = nodes[0]
    with forgotten_by_the_network(node):
        seen_pending(account, node, node.fresh_account(), to=deployed.platform_deposit, value=1)
    assert services.do_purge_old_sightings() == 0
    later = timezone.now() + dt.timedelta(days=31)
    assert services.do_purge_old_sightings(now=later) == 1
    assert not TransactionSighting.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_watch_follows_the_sped_up_copy_to_the_end(account, nodes, deployed, registry):
    node = nodes[0]
    user = node.fresh_account()
    with forgotten_by_the_network(node):
        base = node.base_fee()
        original = node.send(
            user, to=deployed.platform_deposit, value=ETHER, gas=21_000, max_fee=base + GWEI
        )
        watch = services.do_watch_transaction(
            account_id=account.pk, tx_hash=original, context={"conversation_id": 3}
        )
        assert services.do_check_watch(watch_id=watch.pk) == "watching"
    faster = node.send(
        user, to=deployed.platform_deposit, value=ETHER, gas=21_000, nonce=0, max_fee=5 * GWEI
    )
    TransactionWatch.objects.filter(pk=watch.pk).update(next_check_at=timezone.now())
    assert services.do_check_watch(watch_id=watch.pk) == "following_replacement"
    watch.refresh_from_db()
    assert watch.tx_hash == faster and watch.state == "watching"
    assert watch.context == {"conversation_id": 3, "replaced_hashes": [original]}

    node.mine(REQUIRED_CONFIRMATIONS - 1)
    assert services.do_check_watch(watch_id=watch.pk) == "confirmed"
    watch.refresh_from_db()
    assert (watch.state, watch.outcome) == ("finished", "confirmed")
    call_command(  # the queued follow-up check finds the watch finished and does nothing
        "db_worker", batch=True, queue_name="*", startup_delay=False, reload=False, verbosity=0
    )
    watch.refresh_from_db()
    assert watch.checks == 3
