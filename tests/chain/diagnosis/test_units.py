"""Pure parts of the diagnosis: revert decoding, error shapes of different nodes, the deposit
check and the texts (no node needed)."""

from __future__ import annotations

import string
from decimal import Decimal

import pytest
from eth_abi import encode
from eth_utils import keccak

from blockdesk.chain.diagnosis.deposit import check_deposit
from blockdesk.chain.diagnosis.explain import PANIC_MEANINGS, T, explain, normalize_language
from blockdesk.chain.diagnosis.facts import (
    Advice,
    ConfirmationFacts,
    Diagnosis,
    Status,
    Transfer,
)
from blockdesk.chain.diagnosis.revert import decode_revert, revert_data_from_error
from blockdesk.chain.diagnosis.run import normalize_tx_hash
from blockdesk.chain.registry import (
    PANIC_CODES,
    ChainInfo,
    DepositInfo,
    ErrorRegistry,
    TokenInfo,
    errors_from_abi,
)

USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
OURS = "0x00000000000000000000000000000000000000A1"


def _selector(sig: str) -> str:
    return keccak(text=sig)[:4].hex()


@pytest.mark.parametrize("code", sorted(PANIC_CODES))
def test_every_panic_code_has_a_meaning_in_both_languages(code):
    data = "0x4e487b71" + encode(["uint256"], [code]).hex()
    facts = decode_revert(data, errors=ErrorRegistry())
    assert facts.kind == "panic" and facts.panic_code == code
    assert set(PANIC_MEANINGS[facts.panic_reason]) == {"en", "zh-hans"}


def test_unknown_panic_code_and_empty_revert():
    facts = decode_revert("0x4e487b71" + encode(["uint256"], [0x99]).hex(), errors=ErrorRegistry())
    assert facts.panic_reason == "unknown"
    assert decode_revert("0x", errors=ErrorRegistry()).kind == "no_data"
    assert decode_revert(None, errors=ErrorRegistry()).kind == "unavailable"


def test_builtin_openzeppelin_errors_decode_without_an_abi():
    data = "0x" + _selector("ERC20InsufficientBalance(address,uint256,uint256)")
    data += encode(["address", "uint256", "uint256"], [OURS, 5, 10]).hex()
    facts = decode_revert(data, errors=ErrorRegistry())
    assert facts.error_name == "ERC20InsufficientBalance"
    assert facts.error_args == {"sender": OURS.lower(), "balance": 5, "needed": 10}


def test_the_failing_contracts_own_abi_wins_a_selector_clash():
    abi_a = [{"type": "error", "name": "Nope", "inputs": [{"name": "x", "type": "uint256"}]}]
    abi_b = [{"type": "error", "name": "Nope", "inputs": [{"name": "y", "type": "uint256"}]}]
    other = "0x00000000000000000000000000000000000000B2"
    registry = ErrorRegistry(
        errors_from_abi(abi_b, contract=other) + errors_from_abi(abi_a, contract=OURS)
    )
    data = "0x" + _selector("Nope(uint256)") + encode(["uint256"], [3]).hex()
    assert decode_revert(data, errors=registry, contract=OURS).error_args == {"x": 3}
    assert decode_revert(data, errors=registry, contract=other).error_args == {"y": 3}


def test_struct_arguments_use_canonical_tuple_types():
    abi = [
        {
            "type": "error",
            "name": "Bad",
            "inputs": [
                {
                    "name": "order",
                    "type": "tuple",
                    "components": [
                        {"name": "id", "type": "uint256"},
                        {"name": "t", "type": "address"},
                    ],
                }
            ],
        }
    ]
    (sig,) = errors_from_abi(abi)
    assert sig.signature == "Bad((uint256,address))"


@pytest.mark.parametrize(
    "error_data",
    [
        "0x08c379a0" + "00" * 4,  # geth / anvil / ganache 7: the hex string itself
        {"data": "0x08c379a0" + "00" * 4},  # nested by some providers
        {"0xabc": {"error": "revert", "return": "0x08c379a0" + "00" * 4}},  # ganache 2
    ],
)
def test_revert_data_is_found_in_every_node_error_shape(error_data):
    assert revert_data_from_error(error_data) == "0x08c379a0" + "00" * 4


def test_tx_hash_normalisation():
    assert normalize_tx_hash(" 0x" + "AB" * 32 + " ") == "ab" * 32
    assert normalize_tx_hash("ab" * 32) == "ab" * 32
    assert normalize_tx_hash("0x" + "ab" * 31) is None
    assert normalize_tx_hash("0x" + "zz" * 32) is None


def _chain(**kw) -> ChainInfo:
    return ChainInfo(
        key="ethereum",
        name="Ethereum",
        family="evm",
        native_symbol="ETH",
        tokens=(TokenInfo("USDT", 6, USDT),),
        deposits=(DepositInfo(OURS),),
        **kw,
    )


def _usdt(to: str, amount: str) -> Transfer:
    raw = int(Decimal(amount) * 10**6)
    return Transfer(
        standard="erc20",
        symbol="USDT",
        amount=Decimal(amount),
        raw_amount=raw,
        from_address="0x" + "11" * 20,
        to_address=to,
        token_address=USDT,
        decimals=6,
        known_token=True,
    )


def test_deposit_needs_a_memo_where_the_chain_requires_one():
    chain = _chain(memo_required=True)
    missing = check_deposit(
        chain=chain,
        transfers=[_usdt(OURS, "10")],
        expected_asset="USDT",
        expected_amount=None,
        deposit_address=None,
        memo=None,
    )
    assert missing.problems == (Advice.MEMO_MISSING,) and missing.memo_present is False
    given = check_deposit(
        chain=chain,
        transfers=[_usdt(OURS, "10")],
        expected_asset="USDT",
        expected_amount=None,
        deposit_address=None,
        memo="123456",
    )
    assert given.ok
    text = explain(
        Diagnosis(
            tx_hash="0x",
            status=Status.CONFIRMED,
            chain_key="ethereum",
            chain_name="Ethereum",
            deposit=missing,
            needs_agent=True,
        ),
        "zh-hans",
    ).text
    assert "需要填写备注（Memo/Tag）" in text


def test_lower_case_addresses_from_logs_match_checksummed_registry_entries():
    d = check_deposit(
        chain=_chain(),
        transfers=[_usdt(OURS.lower(), "1")],
        expected_asset=None,
        expected_amount=None,
        deposit_address=None,
        memo=None,
    )
    assert d.to_deposit_address


def test_asset_mismatch_and_unrelated_transactions():
    d = check_deposit(
        chain=_chain(),
        transfers=[_usdt(OURS, "1")],
        expected_asset="USDC",
        expected_amount=None,
        deposit_address=None,
        memo=None,
    )
    assert Advice.ASSET_MISMATCH in d.problems and d.expected_asset == "USDC"
    assert (
        "You mentioned USDC, but it transferred USDT"
        in explain(Diagnosis(tx_hash="0x", status=Status.CONFIRMED, deposit=d), "en").text
    )
    assert (
        check_deposit(
            chain=_chain(),
            transfers=[_usdt("0x" + "22" * 20, "1")],
            expected_asset=None,
            expected_amount=None,
            deposit_address=None,
            memo=None,
        )
        is None
    )


def test_language_normalisation_and_catalogue_completeness():
    assert normalize_language("zh-Hans") == normalize_language("zh_CN") == "zh-hans"
    assert normalize_language("fr") == normalize_language(None) == "en"
    for key, texts in T.items():
        assert set(texts) == {"en", "zh-hans"}, key
        # Both languages use the same placeholders, so no text can miss a fact.
        fields = [{f for _, f, _, _ in string.Formatter().parse(t) if f} for t in texts.values()]
        assert fields[0] == fields[1], key


def test_named_the_wrong_network_but_paid_our_address_there():
    """The customer said Ethereum but used BSC, where we also take deposits at that address."""
    bsc = ChainInfo(
        key="bsc",
        name="BNB Smart Chain",
        family="evm",
        native_symbol="BNB",
        tokens=(TokenInfo("USDT", 6, USDT),),
        deposits=(DepositInfo(OURS),),
    )
    fine = check_deposit(
        chain=bsc,
        transfers=[_usdt(OURS, "5")],
        expected_asset="USDT",
        expected_amount=None,
        deposit_address=None,
        memo=None,
        on_requested_network=False,
    )
    assert fine.ok
    # Only the requested network lists the address: recovering it is an agent's job.
    elsewhere = ChainInfo(key="bsc", name="BSC", family="evm", native_symbol="BNB")
    manual = check_deposit(
        chain=elsewhere,
        transfers=[_usdt(OURS, "5")],
        expected_asset=None,
        expected_amount=None,
        deposit_address=None,
        memo=None,
        extra_addresses=[OURS],
        on_requested_network=False,
    )
    assert manual.to_deposit_address and Advice.WRONG_NETWORK_RECOVERY in manual.problems


def test_a_deposit_with_a_problem_is_never_told_it_will_be_credited_by_waiting():
    """Review finding: "complete" titles and "credited automatically" steps read as promises."""
    stranger = (_usdt("0x" + "22" * 20, "1000000"),)
    memo, elsewhere = (
        check_deposit(
            chain=_chain(memo_required=True),
            transfers=transfers,
            expected_asset="USDT",
            expected_amount=None,
            deposit_address=None,
            memo=None,
        )
        for transfers in ([_usdt(OURS, "10")], list(stranger))
    )
    base = Diagnosis(
        tx_hash="0x",
        status=Status.CONFIRMING,
        confirmation=ConfirmationFacts(1, 1, 12, 12.0),
        advice=(Advice.WAIT_FOR_CONFIRMATIONS,),
    )
    review = explain(base.replace(deposit=memo), "en")
    assert review.title.endswith("but a colleague needs to check this deposit")
    assert not any("credited automatically" in step for step in review.steps)
    missed = explain(base.replace(deposit=elsewhere, transfers=stranger), "zh-hans")
    assert missed.title == "您的交易已成功上链，但没有转入我们的充值地址"
    assert "1,000,000 USDT" in missed.text
    fine = explain(base, "en")
    assert fine.title == "Your transaction went through and is being confirmed"
    assert any("credited automatically" in step for step in fine.steps)
