"""Bitcoin and TRON diagnosis against LOCAL STAND-INS of their HTTP APIs (see standins.py):
their nodes cannot run here, so a loopback http.server answers with JSON in the shape the real
Esplora and TronGrid APIs return. The clients, parsing and judgement are the production ones."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from blockdesk.chain import services
from blockdesk.chain.diagnosis.explain import explain
from blockdesk.chain.diagnosis.facts import Advice, Status
from blockdesk.chain.models import Chain, DepositAddress, Token
from blockdesk.common.base58 import b58check_encode
from tests.chain.diagnosis.standins import (
    StandIn,
    esplora_tx,
    tron_info,
    tron_now_block,
    tron_trc20_tx,
    tron_trx_tx,
)

pytestmark = pytest.mark.django_db

BTC_DEPOSIT = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
BTC_SENDER = "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"
BTC_OTHER = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
USDT_TRC20 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
TRON_DEPOSIT = b58check_encode(b"\x41" + bytes.fromhex("11" * 20))
TRON_SENDER = b58check_encode(b"\x41" + bytes.fromhex("22" * 20))
TIP = 840_000


@pytest.fixture
def esplora() -> Iterator[StandIn]:
    with StandIn().running() as server:
        server.get["/blocks/tip/height"] = (200, str(TIP))
        server.get["/fee-estimates"] = (
            200,
            {"1": 45.2, "2": 40.0, "3": 30.1, "6": 20.5, "144": 5.0, "1008": 2.0},
        )
        yield server


@pytest.fixture
def trongrid() -> Iterator[StandIn]:
    with StandIn().running() as server:
        server.post[("/wallet/getnowblock", "")] = (200, tron_now_block(60_000_025))
        yield server


@pytest.fixture
def chains(account, esplora, trongrid):
    btc = Chain.objects.create(
        account=account,
        key="bitcoin",
        name="Bitcoin",
        family="bitcoin",
        enabled=True,
        rpc_urls=esplora.url,
        allow_private_rpc=True,  # a local stand-in on loopback
        required_confirmations=2,
        block_time_seconds=600,
        native_symbol="BTC",
        native_decimals=8,
        explorer_tx_url="https://mempool.space/tx/{hash}",
    )
    tron = Chain.objects.create(
        account=account,
        key="tron",
        name="TRON",
        family="tron",
        enabled=True,
        rpc_urls=trongrid.url,
        allow_private_rpc=True,  # a local stand-in on loopback
        api_key="tron-key-xyz",
        required_confirmations=19,
        block_time_seconds=3,
        native_symbol="TRX",
        native_decimals=6,
    )
    Token.objects.create(chain=tron, symbol="USDT", decimals=6, contract_address=USDT_TRC20)
    DepositAddress.objects.create(chain=btc, address=BTC_DEPOSIT)
    DepositAddress.objects.create(chain=tron, address=TRON_DEPOSIT)
    return btc, tron


def diagnose(account, tx_hash, **kw):
    return services.diagnose_transaction(tx_hash=tx_hash, account_id=account.pk, **kw)


# --- Bitcoin -----------------------------------------------------------------------------------


def test_bitcoin_deposit_confirming_then_confirmed(account, esplora, chains):
    txid = "a1" * 32
    esplora.get[f"/tx/{txid}"] = (
        200,
        esplora_tx(
            txid,
            outputs=[(BTC_DEPOSIT, 25_000_000), (BTC_SENDER, 1_000)],
            sender=BTC_SENDER,
            fee=2_820,
            weight=561,
            confirmed_height=TIP,
        ),
    )
    d = diagnose(account, txid, chain_key="bitcoin", expected_asset="BTC", expected_amount="0.25")
    assert d.status is Status.CONFIRMING
    assert (d.confirmation.confirmations, d.confirmation.required) == (1, 2)
    assert d.confirmation.eta_seconds == 600
    assert d.deposit.ok and d.deposit.received_amount == Decimal("0.25")
    assert d.fee.paid == Decimal("0.0000282") and d.fee.vsize == 141
    # The 1,000 sat back to the sender is change: not shown as a payment.
    assert [(t.to_address, t.raw_amount) for t in d.transfers] == [(BTC_DEPOSIT, 25_000_000)]
    assert f"from {BTC_SENDER} to {BTC_SENDER}" not in explain(d, "en").text
    assert "the rest should take about 10 minutes" in explain(d, "en").text
    assert "预计还需要约 10 分钟" in explain(d, "zh-hans").text

    esplora.get["/blocks/tip/height"] = (200, str(TIP + 1))
    d = diagnose(account, txid, chain_key="bitcoin")
    assert d.status is Status.CONFIRMED and d.advice == (Advice.CREDITED,)


def test_bitcoin_low_fee_with_rbf_advises_bumping(account, esplora, chains):
    txid = "b2" * 32
    esplora.get[f"/tx/{txid}"] = (
        200,
        esplora_tx(
            txid,
            outputs=[(BTC_DEPOSIT, 100_000)],
            sender=BTC_SENDER,
            fee=1_410,
            weight=561,
            sequence=0xFFFFFFFD,
        ),
    )
    d = diagnose(account, txid, chain_key="bitcoin")
    assert d.status is Status.PENDING
    assert d.fee.fee_rate == 10.0 and d.fee.rate_hour == 20.5 and d.fee.rate_next_block == 45.2
    assert d.fee.low and not d.fee.too_low and d.rbf_signalled
    assert d.advice == (Advice.RBF, Advice.CPFP)
    en = explain(d, "en").text
    assert "It pays 10 sat/vB" in en and "45.2 sat/vB gets into the next block" in en
    assert "resend it at 30.1 sat/vB or more" in en
    assert "child-pays-for-parent" in en
    assert "子支付父" in explain(d, "zh-hans").text


def test_bitcoin_below_every_estimate_without_rbf_offers_cpfp_only(account, esplora, chains):
    txid = "c3" * 32
    esplora.get[f"/tx/{txid}"] = (
        200,
        esplora_tx(txid, outputs=[(BTC_OTHER, 50_000)], sender=BTC_SENDER, fee=141, weight=561),
    )
    d = diagnose(account, txid, chain_key="bitcoin")
    assert d.fee.too_low and not d.rbf_signalled
    assert d.advice == (Advice.CPFP,)
    assert d.deposit is None  # not about a deposit to us: no deposit verdict


def test_bitcoin_fair_fee_waits(account, esplora, chains):
    txid = "c4" * 32
    esplora.get[f"/tx/{txid}"] = (
        200,
        esplora_tx(txid, outputs=[(BTC_DEPOSIT, 50_000)], sender=BTC_SENDER, fee=7_050, weight=561),
    )
    d = diagnose(account, txid, chain_key="bitcoin")
    assert d.status is Status.PENDING and d.advice == (Advice.WAIT,)


# --- TRON --------------------------------------------------------------------------------------


def test_trc20_usdt_deposit_confirmed(account, trongrid, chains):
    txid = "d4" * 32
    amount = 1_250_000_000  # 1,250 USDT
    trongrid.post[("/wallet/gettransactionbyid", txid)] = (
        200,
        tron_trc20_tx(txid, token=USDT_TRC20, sender=TRON_SENDER, to=TRON_DEPOSIT, amount=amount),
    )
    trongrid.post[("/wallet/gettransactioninfobyid", txid)] = (
        200,
        tron_info(
            txid,
            block=60_000_000,
            fee=13_844_850,
            transfer=(USDT_TRC20, TRON_SENDER, TRON_DEPOSIT, amount),
        ),
    )
    d = diagnose(account, txid, chain_key="tron", expected_asset="USDT", expected_amount="1250")
    assert d.status is Status.CONFIRMED
    assert d.confirmation.confirmations == 26
    (transfer,) = d.transfers
    assert (transfer.standard, transfer.symbol, transfer.amount) == ("trc20", "USDT", 1250)
    assert (transfer.from_address, transfer.to_address) == (TRON_SENDER, TRON_DEPOSIT)
    assert transfer.token_address == USDT_TRC20
    assert d.deposit.ok and d.fee.paid == Decimal("13.84485")
    # The API key goes in TronGrid's header, never in a URL.
    assert all(h.get("TRON-PRO-API-KEY") == "tron-key-xyz" for _, _, h in trongrid.requests)


def test_trc20_revert_reason(account, trongrid, chains):
    txid = "e5" * 32
    reason = "SafeMath: subtraction overflow"
    encoded = (
        "08c379a0" + f"{32:064x}" + f"{len(reason):064x}" + reason.encode().hex().ljust(64, "0")
    )
    trongrid.post[("/wallet/gettransactionbyid", txid)] = (
        200,
        tron_trc20_tx(txid, token=USDT_TRC20, sender=TRON_SENDER, to=TRON_DEPOSIT, amount=1),
    )
    trongrid.post[("/wallet/gettransactioninfobyid", txid)] = (
        200,
        tron_info(
            txid,
            block=60_000_010,
            fee=8_000_000,
            result="REVERT",
            contract_result=encoded,
            res_message="REVERT opcode executed",
        ),
    )
    d = diagnose(account, txid, chain_key="tron")
    assert d.status is Status.FAILED
    assert (d.revert.kind, d.revert.message) == ("error_string", reason)
    assert "block 60000010" in explain(d, "en").text and "8 TRX" in explain(d, "en").text


def test_tron_out_of_energy(account, trongrid, chains):
    txid = "e6" * 32
    trongrid.post[("/wallet/gettransactionbyid", txid)] = (
        200,
        tron_trc20_tx(txid, token=USDT_TRC20, sender=TRON_SENDER, to=TRON_DEPOSIT, amount=1),
    )
    trongrid.post[("/wallet/gettransactioninfobyid", txid)] = (
        200,
        tron_info(txid, block=60_000_011, fee=100_000_000, result="OUT_OF_ENERGY"),
    )
    d = diagnose(account, txid, chain_key="tron")
    assert d.revert.kind == "out_of_energy" and d.advice == (Advice.RETRY_WITH_MORE_GAS,)
    assert "ran out of energy" in explain(d, "en").text


def test_tron_pending_then_expired(account, trongrid, chains):
    txid = "f7" * 32
    future = int((time.time() + 60) * 1000)
    trongrid.post[("/wallet/gettransactionbyid", txid)] = (
        200,
        tron_trx_tx(txid, sender=TRON_SENDER, to=TRON_DEPOSIT, sun=1_500_000, expiration_ms=future),
    )
    d = diagnose(account, txid, chain_key="tron", expected_asset="TRX")
    assert d.status is Status.PENDING and d.transfers[0].amount == Decimal("1.5")
    assert d.deposit.to_deposit_address

    past = int((time.time() - 60) * 1000)
    trongrid.post[("/wallet/gettransactionbyid", txid)] = (
        200,
        tron_trx_tx(txid, sender=TRON_SENDER, to=TRON_DEPOSIT, sun=1_500_000, expiration_ms=past),
    )
    d = diagnose(account, txid, chain_key="tron")
    assert d.status is Status.DROPPED and d.expired and d.settled
    assert "It expired before it was included in a block" in explain(d, "en").text
    assert "它在被打包之前就已过期" in explain(d, "zh-hans").text


def test_bitcoin_txid_given_as_tron_is_the_wrong_network(account, esplora, chains):
    txid = "a9" * 32
    esplora.get[f"/tx/{txid}"] = (
        200,
        esplora_tx(
            txid,
            outputs=[(BTC_DEPOSIT, 10_000)],
            sender=BTC_SENDER,
            fee=2_820,
            weight=561,
            confirmed_height=TIP - 5,
        ),
    )
    d = diagnose(account, txid, chain_key="tron")
    assert d.status is Status.WRONG_NETWORK and d.chain_key == "bitcoin"
    assert d.found_elsewhere[0].status is Status.CONFIRMED
    assert d.checked_chains == ("tron", "bitcoin")
    assert "这笔交易是在比特币（Bitcoin）上发出的，而不是波场（TRON）" in explain(d, "zh").text
