"""EVM diagnosis against REAL local nodes (ganache, started once per session by conftest.py).

Every transaction here is signed with eth-account and broadcast with eth_sendRawTransaction;
the diagnosis reads it back over JSON-RPC exactly as it would from a production node.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from blockdesk.chain import services
from blockdesk.chain.diagnosis.explain import explain
from blockdesk.chain.diagnosis.facts import Advice, Status
from blockdesk.chain.models import Chain
from tests.chain.diagnosis.conftest import REQUIRED_CONFIRMATIONS
from tests.support.evm_node import GWEI, artifact, calldata
from tests.support.live_server import free_port

pytestmark = pytest.mark.django_db

ETHER = 10**18


def diagnose(account, tx_hash, **kw):
    return services.diagnose_transaction(tx_hash=tx_hash, account_id=account.pk, **kw)


# --- success and confirmations ------------------------------------------------------------------


def test_success_counts_confirmations_until_credited(account, nodes, deployed, registry):
    node = nodes[0]
    sender = node.fresh_account()
    tx = node.send(sender, to=deployed.platform_deposit, value=ETHER + ETHER // 2, gas=21_000)

    d = diagnose(account, tx, chain_key="localnet", expected_asset="ETH", expected_amount="1.5")
    assert d.status is Status.CONFIRMING
    assert (d.confirmation.confirmations, d.confirmation.required) == (1, REQUIRED_CONFIRMATIONS)
    assert d.confirmation.remaining == REQUIRED_CONFIRMATIONS - 1
    assert d.confirmation.eta_seconds == 4  # 2 blocks x the 2 s configured (ganache is idle)
    assert d.fee.gas_used == 21_000 and d.fee.paid > 0
    assert d.deposit.ok and d.deposit.received_amount == Decimal("1.5")
    assert d.advice == (Advice.WAIT_FOR_CONFIRMATIONS,)
    assert d.explorer_url == f"https://explorer.invalid/tx/{tx}"
    en, zh = explain(d, "en").text, explain(d, "zh-Hans").text
    assert f"1 of the {REQUIRED_CONFIRMATIONS} confirmations" in en
    assert "1.5 ETH" in en and deposit_in(en, deployed)
    assert f"目前有 1 个确认，我们需要 {REQUIRED_CONFIRMATIONS} 个" in zh
    assert "不到 1 分钟" in zh

    node.mine(REQUIRED_CONFIRMATIONS - 1)
    d = diagnose(account, tx, chain_key="localnet")
    assert d.status is Status.CONFIRMED and d.settled and not d.needs_agent
    assert d.advice == (Advice.CREDITED,)
    assert "Your transaction is complete" in explain(d, "en").text
    assert "您的交易已完成" in explain(d, "zh").text


def test_a_payment_elsewhere_is_never_promised_to_a_balance(account, nodes, registry):
    node = nodes[0]
    sender, friend = node.fresh_account(), node.fresh_account()
    tx = node.send(sender, to=friend.address, value=ETHER, gas=21_000)
    node.mine(REQUIRED_CONFIRMATIONS - 1)
    d = diagnose(account, tx, chain_key="localnet")  # no asset named, not to our address
    assert d.status is Status.CONFIRMED and d.deposit is None
    assert Advice.CREDITED not in d.advice
    en, zh = explain(d, "en").text, explain(d, "zh-hans").text
    assert "appear in your balance" not in en and "显示在您的余额中" not in zh
    assert friend.address in en


def deposit_in(text, deployed):
    return deployed.platform_deposit in text


def test_erc20_transfer_to_the_deposit_address_is_decoded(account, nodes, deployed, registry):
    node = nodes[0]
    owner = node.accounts[0]
    tx = node.call_contract(
        owner, deployed.token_a, "transfer(address,uint256)", deployed.platform_deposit, 250_500_000
    )
    d = diagnose(account, tx, chain_key="localnet", expected_asset="tusd", expected_amount="250.5")
    (transfer,) = d.transfers
    assert transfer.standard == "erc20" and transfer.symbol == "TUSD" and transfer.known_token
    assert transfer.amount == Decimal("250.5") and transfer.raw_amount == 250_500_000
    assert (transfer.from_address, transfer.to_address) == (
        owner.address,
        deployed.platform_deposit,
    )
    assert transfer.token_address == deployed.token_a
    assert d.deposit.ok and d.deposit.asset_supported and d.deposit.amount_matches
    assert not d.needs_agent
    facts = d.as_dict()
    assert facts["transfers"][0]["amount"] == "250.5"
    assert facts["deposit"]["ok"] is True

    short = diagnose(account, tx, chain_key="localnet", expected_asset="TUSD", expected_amount=300)
    assert Advice.AMOUNT_MISMATCH in short.deposit.problems
    assert short.needs_agent and short.advice[-1] is Advice.AGENT_REVIEW
    assert "We see 250.5 TUSD arriving, not the 300 TUSD" in explain(short, "en").text
    assert "到账的是 250.5 TUSD，而不是您提到的 300 TUSD" in explain(short, "zh-hans").text


def test_unlisted_token_reaching_the_deposit_address_goes_to_an_agent(
    account, nodes, deployed, registry
):
    node = nodes[0]
    tx = node.call_contract(
        node.accounts[0],
        deployed.rogue_a,
        "transfer(address,uint256)",
        deployed.platform_deposit,
        7 * 10**18,
    )
    d = diagnose(account, tx, chain_key="localnet")
    (transfer,) = d.transfers
    # Not in the registry: symbol and decimals come from the token contract itself.
    assert (transfer.symbol, transfer.decimals, transfer.known_token) == ("RUG", 18, False)
    assert transfer.amount == 7
    assert d.deposit.problems == (Advice.UNSUPPORTED_TOKEN,)
    assert d.needs_agent
    assert "which we don't accept as a deposit on Localnet" in explain(d, "en").text


def test_transfer_to_another_address_is_explained_not_escalated(account, nodes, deployed, registry):
    node = nodes[0]
    stranger = node.fresh_account(0).address
    tx = node.send(node.fresh_account(), to=stranger, value=ETHER, gas=21_000)
    d = diagnose(account, tx, chain_key="localnet", deposit_address=deployed.platform_deposit)
    assert d.deposit.problems == (Advice.WRONG_ADDRESS,)
    assert not d.deposit.to_deposit_address and not d.needs_agent
    en = explain(d, "en").text
    assert f"not sent to our deposit address ({deployed.platform_deposit})" in en
    assert f"it went to {stranger}" in en


# --- failures ----------------------------------------------------------------------------------


def test_revert_reason_string_is_replayed_and_decoded(account, nodes, deployed, registry):
    node = nodes[0]
    tx = node.call_contract(node.fresh_account(), deployed.faulty_a, "withdraw(uint256)", 5)
    d = diagnose(account, tx, chain_key="localnet")
    assert d.status is Status.FAILED and d.settled
    assert d.revert.kind == "error_string"
    assert d.revert.message == "Withdrawal amount exceeds balance"
    assert d.revert.raw_data.startswith("0x08c379a0")
    assert d.advice == (Advice.FIX_CAUSE_AND_RETRY,) and d.deposit is None
    assert d.fee.paid > 0 and d.fee.gas_used < d.fee.gas_limit
    en, zh = explain(d, "en").text, explain(d, "zh-hans").text
    assert "“Withdrawal amount exceeds balance”" in en
    assert "nothing was transferred" in en and "your funds are still in your wallet" in en
    assert "合约拒绝了这笔交易，返回的信息是：“Withdrawal amount exceeds balance”" in zh
    assert "没有任何资产被转出" in zh


def test_custom_error_needs_the_abi_to_be_named(account, admin_user, nodes, deployed, registry):
    node = nodes[0]
    tx = node.call_contract(node.fresh_account(), deployed.faulty_a, "withdrawCustom(uint256)", 5)
    unknown = diagnose(account, tx, chain_key="localnet")
    assert unknown.revert.kind == "unknown_selector"
    assert unknown.revert.raw_data.startswith("0xcf479181")  # InsufficientBalance(uint256,uint256)

    services.do_add_contract_abi(
        actor=admin_user, name="Faulty", abi=artifact("Faulty")["abi"], address=deployed.faulty_a
    )
    d = diagnose(account, tx, chain_key="localnet")
    assert d.revert.kind == "custom"
    assert d.revert.error_signature == "InsufficientBalance(uint256,uint256)"
    assert d.revert.error_args == {"available": 0, "required": 5}
    assert "the error InsufficientBalance (available=0, required=5)" in explain(d, "en").text


@pytest.mark.parametrize(
    ("signature", "args", "code", "reason", "en_words", "zh_words"),
    [
        ("divide(uint256,uint256)", (5, 0), 0x12, "division_by_zero", "divide by zero", "除以零"),
        ("popEmpty()", (), 0x31, "pop_empty", "empty list", "空列表"),
    ],
)
def test_panic_codes_are_explained(
    account, nodes, deployed, registry, signature, args, code, reason, en_words, zh_words
):
    node = nodes[0]
    tx = node.call_contract(node.fresh_account(), deployed.faulty_a, signature, *args)
    d = diagnose(account, tx, chain_key="localnet")
    assert d.status is Status.FAILED
    assert (d.revert.kind, d.revert.panic_code, d.revert.panic_reason) == ("panic", code, reason)
    assert en_words in explain(d, "en").text
    assert zh_words in explain(d, "zh-hans").text


def test_arithmetic_overflow_panics(account, nodes, registry):
    node = nodes[0]
    user = node.fresh_account()
    faulty = node.deploy(user, "Faulty")  # its own copy: this test changes the stored value
    node.call_contract(user, faulty, "add(uint256)", 2**256 - 1)
    tx = node.call_contract(user, faulty, "add(uint256)", 1)
    d = diagnose(account, tx, chain_key="localnet")
    assert (d.revert.panic_code, d.revert.panic_reason) == (0x11, "overflow")
    assert "a number became too large or went below zero" in explain(d, "en").text


def test_out_of_gas_is_recognised_from_the_receipt(account, nodes, deployed, registry):
    node = nodes[0]
    tx = node.call_contract(
        node.fresh_account(), deployed.faulty_a, "fill(uint256)", 50, gas=60_000
    )
    d = diagnose(account, tx, chain_key="localnet")
    assert d.status is Status.FAILED
    assert d.fee.gas_used == d.fee.gas_limit == 60_000
    assert d.revert.kind == "out_of_gas"
    assert d.advice == (Advice.RETRY_WITH_MORE_GAS,)
    en = explain(d, "en").text
    assert "ran out of gas" in en and "60,000 units" in en and "higher gas limit" in en
    assert "Gas 耗尽" in explain(d, "zh-hans").text


# --- pending -----------------------------------------------------------------------------------


def test_max_fee_below_the_base_fee_stays_pending(account, nodes, deployed, registry):
    node = nodes[0]
    user = node.fresh_account()
    base = node.base_fee()
    with node.mining_paused():
        tx = node.send(
            user,
            to=deployed.platform_deposit,
            value=ETHER,
            gas=21_000,
            max_fee=base // 2,
            priority_fee=base // 4,
        )
        # Diagnose while it sits in the pool: ganache (unlike geth) evicts such a transaction
        # as soon as it builds a block, so no block may be mined meanwhile.
        d = diagnose(account, tx, chain_key="localnet")
    assert d.status is Status.PENDING and not d.settled
    assert d.fee.too_low and d.fee.max_fee_per_gas == base // 2
    assert d.fee.base_fee_now > d.fee.max_fee_per_gas
    assert d.fee.suggested_max_fee_per_gas >= 2 * d.fee.base_fee_now
    assert d.nonce.nonce == 0 and d.nonce.gap == 0
    assert Advice.SPEED_UP in d.advice and Advice.CANCEL_SAME_NONCE in d.advice
    assert d.deposit.to_deposit_address  # where it is headed is already checked
    en, zh = explain(d, "en").text, explain(d, "zh-hans").text
    assert "but the network currently charges" in en
    assert "same nonce (0)" in en and "send 0 ETH to your own address" in en
    assert "而网络当前收取" in zh and "相同的 nonce（0）" in zh


def test_pending_with_a_fair_fee_just_waits(account, nodes, deployed, registry):
    node = nodes[0]
    with node.mining_paused():
        tx = node.send(node.fresh_account(), to=deployed.platform_deposit, value=1, gas=21_000)
        d = diagnose(account, tx, chain_key="localnet")
    assert d.status is Status.PENDING
    assert not d.fee.too_low and d.advice == (Advice.WAIT,)
    assert "The fee looks fine" in explain(d, "en").text


def test_nonce_gap_blocks_a_later_transaction(account, nodes, deployed, registry):
    node = nodes[0]
    user = node.fresh_account()
    # Paused: ganache's instant mining would otherwise wait for the gapped one to be mined.
    with node.mining_paused():
        later = node.send(user, to=deployed.platform_deposit, value=1, gas=21_000, nonce=1)
    d = diagnose(account, later, chain_key="localnet")
    assert d.status is Status.PENDING
    assert (d.nonce.nonce, d.nonce.next_nonce, d.nonce.gap) == (1, 0, 1)
    assert d.advice[0] is Advice.FILL_NONCE_GAP
    en = explain(d, "en").text
    assert "an earlier transaction from the same wallet" in en
    assert "waiting for the one with nonce 0" in en
    assert "同一钱包更早的一笔交易还没有确认" in explain(d, "zh-hans").text

    node.send(user, to=deployed.platform_deposit, value=1, gas=21_000, nonce=0)
    assert diagnose(account, later, chain_key="localnet").status is Status.CONFIRMING


# --- finding the network -----------------------------------------------------------------------


def test_sent_on_the_wrong_network_to_our_address(account, nodes, deployed, registry):
    side = nodes[1]
    tx = side.send(side.fresh_account(), to=deployed.platform_deposit, value=ETHER, gas=21_000)
    d = diagnose(account, tx, chain_key="localnet", expected_asset="ETH")
    assert d.status is Status.WRONG_NETWORK and d.settled
    assert (d.requested_chain_key, d.chain_key) == ("localnet", "sidenet")
    assert d.checked_chains == ("localnet", "sidenet")
    assert d.found_elsewhere[0].status is Status.CONFIRMING
    # The same key controls our address on every EVM chain, but we do not accept Sidenet.
    assert d.deposit.to_deposit_address and not d.deposit.network_supported
    assert {Advice.WRONG_NETWORK_RECOVERY, Advice.UNSUPPORTED_NETWORK} <= set(d.deposit.problems)
    assert d.needs_agent and Advice.AGENT_REVIEW in d.advice
    assert Advice.WAIT_FOR_CONFIRMATIONS not in d.advice  # waiting there credits nothing
    en, zh = explain(d, "en"), explain(d, "zh-hans")
    assert en.title == "This transaction was sent on Sidenet, not on Localnet"
    assert "we don't support deposits on Sidenet" in en.text
    assert "passed this to a colleague" in en.text and en.needs_agent
    assert "这笔交易是在 Sidenet 上发出的，而不是 Localnet" in zh.text
    assert "已将所有细节转交给同事" in zh.text


def test_wrong_network_token_sent_elsewhere(account, nodes, deployed, registry):
    side = nodes[1]
    stranger = side.fresh_account(0).address
    tx = side.call_contract(
        side.accounts[0], deployed.token_b, "transfer(address,uint256)", stranger, 10**6
    )
    d = diagnose(account, tx, chain_key="localnet", expected_asset="TUSD")
    assert d.status is Status.WRONG_NETWORK
    assert d.transfers[0].symbol == "TUSD" and d.transfers[0].amount == 1
    assert not d.deposit.to_deposit_address and not d.needs_agent
    assert "we cannot credit or recover it" in explain(d, "en").text


def test_without_a_network_the_transaction_is_found_where_it_is(account, nodes, registry):
    side = nodes[1]
    tx = side.send(side.fresh_account(), to=side.fresh_account(0).address, value=1, gas=21_000)
    d = diagnose(account, tx)
    assert d.status is Status.CONFIRMING and d.chain_key == "sidenet"
    assert d.native_symbol == "SIDE"


def test_not_found_anywhere(account, registry):
    missing = "0x" + "ab" * 32
    d = diagnose(account, missing, chain_key="localnet")
    assert d.status is Status.NOT_FOUND and not d.needs_agent
    assert set(d.checked_chains) == {"localnet", "sidenet"}
    assert d.advice == (Advice.CHECK_HASH, Advice.CHECK_NETWORK, Advice.REBROADCAST)
    en, zh = explain(d, "en").text, explain(d, "zh-hans").text
    assert "on Localnet and Sidenet, and it isn't on any of them" in en
    assert "never actually broadcast" in en
    assert "我们在 Localnet 和 Sidenet 上查询了这笔交易" in zh


def test_invalid_hash(account, registry):
    d = diagnose(account, "0x1234")
    assert d.status is Status.INVALID_HASH and d.advice == (Advice.CHECK_HASH,)
    assert "64 letters and digits" in explain(d, "en").text


def test_unreachable_node_is_unavailable_and_never_leaks_the_url(account, registry, caplog):
    secret_url = f"http://127.0.0.1:{free_port()}/v3/secret-api-key-123"
    Chain.objects.create(
        account=account,
        key="downnet",
        name="Downnet",
        family="evm",
        evm_chain_id=999,
        enabled=True,
        rpc_urls=secret_url,
        allow_private_rpc=True,  # a local stand-in on loopback
        native_symbol="ETH",
    )
    caplog.set_level(logging.DEBUG)
    d = diagnose(account, "0x" + "cd" * 32, chain_key="downnet")
    assert d.status is Status.UNAVAILABLE and d.needs_agent
    assert d.unavailable_chains == ("downnet",)
    assert Advice.TRY_LATER in d.advice
    assert "secret-api-key-123" not in caplog.text
    assert "secret-api-key-123" not in str(d.as_dict())
    assert "/****" in caplog.text  # the host is logged, masked
    # Stored encrypted: the raw column never holds the key.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT rpc_urls FROM chain_chain WHERE key = %s", ["downnet"])
        (raw,) = cursor.fetchone()
    assert "secret-api-key-123" not in raw


def test_legacy_gas_price_transaction(account, nodes, deployed, registry):
    node = nodes[0]
    tx = node.send(
        node.fresh_account(),
        to=deployed.platform_deposit,
        value=1,
        gas=21_000,
        gas_price=2 * node.base_fee() + GWEI,
    )
    d = diagnose(account, tx, chain_key="localnet")
    assert d.fee.kind == "legacy" and d.fee.gas_price is not None
    assert d.status is Status.CONFIRMING


def test_calldata_helper_matches_the_abi():
    # Guards the test helper itself: a wrong selector would make every failure test vacuous.
    assert calldata("withdraw(uint256)", 5)[:4].hex() == "2e1a7d4d"
