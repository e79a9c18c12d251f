"""Anchoring tree heads on a real local EVM node (ganache): the transaction, its block and
cost; receipts checked against the chain by the standalone verifier; a node that is down;
the hot-wallet key kept out of logs and tables; consistency between successive anchors."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from blockdesk.accounts.models import Account, User
from blockdesk.chain.models import Chain
from blockdesk.common.errors import ValidationFailed
from blockdesk.records import anchoring, services, verifier
from blockdesk.records.models import Anchor, AnchorSettings, RecordLog
from blockdesk.records.services import RecordIn
from tests.conftest import only_in_postgresql_pass, require_or_skip
from tests.support.evm_node import EvmNode, evm_nodes, ganache_unavailable_reason
from tests.support.live_server import free_port

CHAIN_ID = 31377
TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_receipt.py"
SETTINGS_URL = "/app/settings/records/"


@pytest.fixture(scope="module")
def node() -> Iterator[EvmNode]:
    reason = ganache_unavailable_reason()
    require_or_skip(reason is None, reason or "")
    with evm_nodes(CHAIN_ID) as (evm,):
        yield evm


@pytest.fixture
def chain(account: Account, node: EvmNode) -> Chain:
    return Chain.objects.create(
        account=account,
        key="anchornet",
        name="Anchornet",
        family="evm",
        evm_chain_id=CHAIN_ID,
        enabled=True,
        rpc_urls=node.url,
        allow_private_rpc=True,  # a local node on loopback
        required_confirmations=1,
        native_symbol="ETH",
    )


@pytest.fixture
def anchored(account: Account, chain: Chain, node: EvmNode) -> AnchorSettings:
    found = anchoring.do_set_hot_wallet(actor=None, account=account)
    node.rpc("evm_setAccountBalance", found.wallet_address, hex(10**18))
    return anchoring.do_configure_anchoring(
        actor=None, account=account, enabled=True, chain=chain, interval_minutes=60
    )


def _append(account: Account, start: int, stop: int) -> None:
    services.do_append_records(
        account=account,
        records=[
            RecordIn(case_ref=f"extra-{i % 3}", kind="reply", fields={"n": i})
            for i in range(start, stop)
        ],
    )


def _anchor_and_confirm(account: Account) -> Anchor:
    anchor = anchoring.do_anchor_latest(account=account)
    assert anchor is not None
    assert anchor.status == Anchor.Status.PENDING, anchor.last_error
    assert anchoring.do_confirm_anchors() >= 1  # ganache mines each transaction at once
    anchor.refresh_from_db()
    return anchor


def _run_tool(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.django_db
def test_anchor_records_the_transaction_block_and_cost(
    account: Account, filled_log: RecordLog, anchored: AnchorSettings, node: EvmNode
) -> None:
    anchor = _anchor_and_confirm(account)
    assert anchor.status == Anchor.Status.CONFIRMED
    assert anchor.tree_size == 40 and bytes(anchor.root_hash) == bytes(filled_log.root_hash)
    assert anchor.block_number == int(node.receipt(anchor.tx_hash)["blockNumber"], 16)
    assert anchor.gas_used and anchor.gas_used > 21_000
    assert anchor.cost_wei == anchor.gas_used * anchor.effective_gas_price > 0
    tx = node.rpc("eth_getTransactionByHash", anchor.tx_hash)
    assert tx["to"].lower() == tx["from"].lower() == anchored.wallet_address.lower()
    assert int(tx["value"], 16) == 0
    assert bytes.fromhex(tx["input"][2:]) == anchoring.anchor_calldata(
        log_id=filled_log.public_id, tree_size=40, root_hash=bytes(filled_log.root_hash)
    )
    # Nothing new in the log: no second transaction.
    assert anchoring.do_anchor_latest(account=account) is None


@pytest.mark.django_db
def test_receipt_checked_against_the_chain(
    account: Account,
    filled_log: RecordLog,
    anchored: AnchorSettings,
    node: EvmNode,
    tmp_path: Path,
) -> None:
    anchor = _anchor_and_confirm(account)
    _append(account, 40, 45)  # the log grows after the anchor; the receipt still uses it
    receipt = services.build_receipt(account=account, case_ref="conv-1")
    assert receipt["tree_head"]["tree_size"] == 40
    assert receipt["anchor"]["tx"] == anchor.tx_hash
    assert receipt["anchor"]["block_number"] == anchor.block_number
    good = tmp_path / "receipt.json"
    good.write_text(json.dumps(receipt))

    offline = _run_tool(good)
    assert offline.returncode == 0, offline.stderr
    online = _run_tool(good, "--rpc-url", node.url)
    assert online.returncode == 0, online.stderr
    assert f"transaction {anchor.tx_hash} in block {anchor.block_number} holds the root" in (
        online.stdout
    )
    call_command("records", "verify-receipt", str(good), "--rpc-url", node.url)

    # Another transaction of the chain as the anchor: its calldata does not hold the root.
    other = node.send(node.accounts[0], to=node.accounts[1].address, value=1)
    forged_tx = json.loads(good.read_text())
    forged_tx["anchor"]["tx"] = other
    bad = tmp_path / "bad-tx.json"
    bad.write_text(json.dumps(forged_tx))
    result = _run_tool(bad, "--rpc-url", node.url)
    assert result.returncode == 1
    assert "does not hold this log's root" in result.stderr
    with pytest.raises(CommandError, match="does not hold"):
        call_command("records", "verify-receipt", str(bad), "--rpc-url", node.url)
    # A hash that is on no chain.
    forged_tx["anchor"]["tx"] = "0x" + "ab" * 32
    bad.write_text(json.dumps(forged_tx))
    result = _run_tool(bad, "--rpc-url", node.url)
    assert result.returncode == 1 and "is not on this chain" in result.stderr

    # A changed root: in the anchor only (offline check fails), in the anchor and the head
    # (the signature fails), and on chain only (checked without the offline step).
    forged_root = json.loads(good.read_text())
    forged_root["anchor"]["root_hash"] = "00" * 32
    bad.write_text(json.dumps(forged_root))
    result = _run_tool(bad, "--rpc-url", node.url)
    assert result.returncode == 1 and "consistency" in result.stderr
    forged_root["tree_head"]["root_hash"] = "00" * 32
    bad.write_text(json.dumps(forged_root))
    assert _run_tool(bad, "--rpc-url", node.url).returncode == 1
    with pytest.raises(verifier.ReceiptInvalid, match="does not hold"):
        verifier.check_anchor_on_chain(forged_root, node.url)


@pytest.mark.django_db
def test_a_node_that_is_down_fails_then_the_retry_succeeds(
    account: Account,
    filled_log: RecordLog,
    anchored: AnchorSettings,
    chain: Chain,
    node: EvmNode,
) -> None:
    chain.rpc_urls = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    chain.save()
    anchor = anchoring.do_anchor_latest(account=account)
    assert anchor is not None and anchor.status == Anchor.Status.FAILED
    assert anchor.attempts == 1 and "every endpoint failed" in anchor.last_error
    assert anchor.next_attempt_at is not None and anchor.next_attempt_at > timezone.now()
    # Not due yet: the periodic job leaves it alone.
    anchoring.do_anchor_due()
    anchor.refresh_from_db()
    assert anchor.attempts == 1
    # Backoff over, but the node still down: attempt 2, a longer wait.
    Anchor.objects.filter(pk=anchor.pk).update(next_attempt_at=timezone.now())
    first_wait = anchor.next_attempt_at - timezone.now()
    anchoring.do_anchor_due()
    anchor.refresh_from_db()
    assert anchor.attempts == 2 and anchor.status == Anchor.Status.FAILED
    assert anchor.next_attempt_at - timezone.now() > first_wait

    chain.rpc_urls = node.url  # the node is back
    chain.save()
    Anchor.objects.filter(pk=anchor.pk).update(next_attempt_at=timezone.now() - timedelta(1))
    anchoring.do_anchor_due()
    anchor.refresh_from_db()
    assert anchor.status == Anchor.Status.PENDING and anchor.attempts == 3
    assert anchor.last_error == ""
    anchoring.do_confirm_anchors()
    anchor.refresh_from_db()
    assert anchor.status == Anchor.Status.CONFIRMED and anchor.block_number
    assert Anchor.objects.filter(log=filled_log).count() == 1  # retried, not duplicated


@pytest.mark.django_db
def test_the_hot_wallet_key_is_never_logged_nor_stored_in_clear(
    account: Account,
    filled_log: RecordLog,
    anchored: AnchorSettings,
    chain: Chain,
    admin_user: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    imported = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    anchoring.do_set_hot_wallet(actor=admin_user, account=account, private_key_hex=imported)
    found = AnchorSettings.objects.get(account=account)
    assert found.wallet_key == imported
    assert found.wallet_address == "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
    chain.rpc_urls = f"http://127.0.0.1:{free_port()}"
    chain.save()
    anchoring.do_anchor_latest(account=account)  # fails and logs a warning
    assert "failed" in caplog.text
    client = Client()
    client.force_login(admin_user)
    page = client.get(SETTINGS_URL).content.decode()
    assert found.wallet_address in page
    with pytest.raises(ValidationFailed) as refused:  # the wrong value is not echoed
        anchoring.do_set_hot_wallet(actor=admin_user, account=account, private_key_hex="12zz")
    assert "12zz" not in str(refused.value.message)

    needles = [imported, imported.upper(), imported[:32]]
    assert not any(n in caplog.text for n in needles)
    assert not any(n in page for n in needles)
    assert imported not in repr(found)
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - names from introspection
            for row in cursor.fetchall():
                text = " ".join(
                    bytes(v).hex() if isinstance(v, bytes | memoryview) else str(v) for v in row
                ).lower()
                assert imported not in text, f"the key is in clear text in {table}"


@pytest.mark.django_db
def test_successive_anchors_are_consistent(
    account: Account, filled_log: RecordLog, anchored: AnchorSettings
) -> None:
    first = _anchor_and_confirm(account)
    assert first.previous_size is None and first.consistent is None
    _append(account, 40, 57)
    second = _anchor_and_confirm(account)
    assert (second.previous_size, second.tree_size, second.consistent) == (40, 57, True)
    filled_log.refresh_from_db()
    assert anchoring.verify_anchor_consistency(log=filled_log, earlier=first.sth, later=second.sth)
    # A head whose root was rewritten does not extend the first anchor.
    second.sth.root_hash = b"\x00" * 32
    assert not anchoring.verify_anchor_consistency(
        log=filled_log, earlier=first.sth, later=second.sth
    )
    # A receipt for a case first covered by the second anchor is built against it.
    services.do_append_record(account=account, case_ref="late", kind="opened", fields={})
    assert anchoring.do_anchor_latest(account=account) is not None
    anchoring.do_confirm_anchors()
    receipt = services.build_receipt(account=account, case_ref="late")
    assert receipt["anchor"]["tree_size"] == 58
    assert verifier.verify_receipt(receipt)[-1].startswith("anchor: size 58")


@pytest.mark.django_db
def test_settings_page_shows_cost_retry_and_keys(
    account: Account,
    filled_log: RecordLog,
    anchored: AnchorSettings,
    chain: Chain,
    admin_user: User,
    agent: User,
) -> None:
    anchor = _anchor_and_confirm(account)
    node_url = chain.rpc_urls
    client = Client()
    client.force_login(admin_user)
    html = client.get(SETTINGS_URL).content.decode()
    assert anchor.tx_hash in html
    cost = f"{anchor.cost_wei / 10**18:.8f}".rstrip("0")
    assert f'data-testid="cost">{cost} ETH' in html
    assert 'data-testid="wallet-balance">0.' in html
    assert str(anchor.block_number) in html
    key = filled_log.keys.get()
    assert bytes(key.public_key).hex() in html

    # Rotate the signing key: the old one stays published.
    assert client.post(SETTINGS_URL + "rotate-key/").status_code == 302
    html = client.get(SETTINGS_URL).content.decode()
    assert filled_log.keys.count() == 2 and bytes(key.public_key).hex() in html

    # A failed anchor shows its error and a retry button that works.
    _append(account, 40, 41)
    chain.rpc_urls = f"http://127.0.0.1:{free_port()}"
    chain.save()
    failed = anchoring.do_anchor_latest(account=account)
    assert failed is not None and failed.status == Anchor.Status.FAILED
    html = client.get(SETTINGS_URL).content.decode()
    assert "every endpoint failed" in html and f"anchors/{failed.pk}/retry/" in html
    chain.rpc_urls = node_url
    chain.save()
    assert client.post(SETTINGS_URL + f"anchors/{failed.pk}/retry/").status_code == 302
    failed.refresh_from_db()
    assert failed.status == Anchor.Status.PENDING and failed.attempts == 2

    # Turning anchoring off from the form.
    assert client.post(SETTINGS_URL + "configure/", {"chain": "anchornet"}).status_code == 302
    assert not AnchorSettings.objects.get(account=account).enabled

    client.force_login(agent)
    assert client.get(SETTINGS_URL).status_code == 403
    assert client.post(SETTINGS_URL + "rotate-key/").status_code == 403


def test_the_periodic_jobs_are_registered() -> None:
    from blockdesk.common.periodic import jobs

    assert anchoring.do_anchor_due in jobs() and anchoring.do_confirm_anchors in jobs()


@pytest.mark.django_db
def test_a_dropped_transaction_is_sent_again_and_older_failures_are_superseded(
    account: Account,
    filled_log: RecordLog,
    anchored: AnchorSettings,
    chain: Chain,
    node: EvmNode,
) -> None:
    # Sent, then forgotten by the node (here: a hash the node never saw).
    anchor = anchoring.do_anchor_latest(account=account)
    assert anchor is not None
    anchoring.do_confirm_anchors()
    Anchor.objects.filter(pk=anchor.pk).update(
        status=Anchor.Status.PENDING,
        tx_hash="0x" + "cd" * 32,
        sent_at=timezone.now() - anchoring.DROPPED_AFTER - timedelta(seconds=1),
    )
    anchoring.do_confirm_anchors()
    anchor.refresh_from_db()
    assert anchor.status == Anchor.Status.FAILED and "dropped" in anchor.last_error
    anchoring.do_anchor_due()
    anchoring.do_confirm_anchors()
    anchor.refresh_from_db()
    assert anchor.status == Anchor.Status.CONFIRMED
    assert node.receipt(anchor.tx_hash) is not None

    # Two failures in a row while the node is down: only the newest keeps retrying.
    chain.rpc_urls = f"http://127.0.0.1:{free_port()}"
    chain.save()
    _append(account, 40, 42)
    older = anchoring.do_anchor_latest(account=account)
    _append(account, 42, 44)
    newer = anchoring.do_anchor_latest(account=account)
    assert older is not None and newer is not None
    older.refresh_from_db()
    assert older.next_attempt_at is None and "superseded" in older.last_error
    assert newer.next_attempt_at is not None and newer.previous_size == 40


@pytest.mark.django_db(transaction=True)
def test_two_anchor_requests_at_once_make_one_anchor(
    account: Account, filled_log: RecordLog, anchored: AnchorSettings
) -> None:
    only_in_postgresql_pass()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def request() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(anchoring.do_anchor_latest(account=account))
        except BaseException as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r is not None for r in results) == 1
    assert Anchor.objects.filter(log=filled_log).count() == 1
