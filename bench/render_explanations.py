"""Print every customer-facing diagnosis explanation, in English and Simplified Chinese.

For clarity reviews (docs/reviews/diagnosis-clarity.md): each case is a hand-built Diagnosis
shaped the way chain/diagnosis/run.py composes it (status, advice order, deposit problems), so
the texts read exactly as a customer would get them. No network is contacted.

    .venv/bin/python bench/render_explanations.py             # every case, both languages
    .venv/bin/python bench/render_explanations.py --lang zh   # one language
    .venv/bin/python bench/render_explanations.py failed      # cases whose name contains this
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from blockdesk.chain.diagnosis.explain import EN, PANIC_MEANINGS, ZH, explain
from blockdesk.chain.diagnosis.facts import (
    Advice,
    ConfirmationFacts,
    DepositCheck,
    Diagnosis,
    FeeFacts,
    FoundElsewhere,
    NonceFacts,
    ReplacementFacts,
    RevertFacts,
    Status,
    Transfer,
)

A = Advice
TX = "0x" + "5c" * 32
NEW_TX = "0x" + "9e" * 32
BTC_TX = "4a" * 32
TRON_TX = "c3" * 32
CUSTOMER = "0x8ba1f109551bD432803012645Ac136ddd64DBA72"
OURS = "0x00000000000000000000000000000000000000A1"
STRANGER = "0x1111111111111111111111111111111111111111"
TRON_CUSTOMER = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
TRON_OURS = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
GWEI = 10**9


def _chain(key: str, name: str, family: str, symbol: str) -> dict[str, Any]:
    return {"chain_key": key, "chain_name": name, "family": family, "native_symbol": symbol}


ETH = _chain("ethereum", "Ethereum", "evm", "ETH")
BSC = _chain("bsc", "BNB Smart Chain", "evm", "BNB")
BTC = _chain("bitcoin", "Bitcoin", "bitcoin", "BTC")
TRX = _chain("tron", "TRON", "tron", "TRX")
ASKED_ETH: dict[str, Any] = {"requested_chain_key": "ethereum", "requested_chain_name": "Ethereum"}
ASKED_TRON: dict[str, Any] = {"requested_chain_key": "tron", "requested_chain_name": "TRON"}


def _url(chain: dict[str, str], tx: str) -> str:
    return {
        "ethereum": f"https://etherscan.io/tx/{tx}",
        "bsc": f"https://bscscan.com/tx/{tx}",
        "bitcoin": f"https://mempool.space/tx/{tx}",
        "tron": f"https://tronscan.org/#/transaction/{tx}",
    }.get(chain["chain_key"], "")


def _usdt(to: str = OURS, amount: str = "250.5", *, source: str = CUSTOMER) -> Transfer:
    return Transfer("erc20", "USDT", Decimal(amount), int(Decimal(amount) * 10**6), source, to)


def _eth(to: str = OURS, amount: str = "1.5") -> Transfer:
    return Transfer("native", "ETH", Decimal(amount), 0, CUSTOMER, to)


def _conf(confirmations: int, required: int = 12, block_time: float = 12.0) -> ConfirmationFacts:
    return ConfirmationFacts(19_876_543, confirmations, required, block_time)


def _found(status: Status, transfers: tuple[Transfer, ...] = (), **kw: Any) -> Diagnosis:
    """A transaction found on Ethereum (override with **ETH-like dicts)."""
    values: dict[str, Any] = {**ETH, "from_address": CUSTOMER, "to_address": OURS}
    values.update(kw)
    tx = {"bitcoin": BTC_TX, "tron": TRON_TX}.get(str(values["family"]), TX)
    values.setdefault("explorer_url", _url({"chain_key": str(values["chain_key"])}, tx))
    return Diagnosis(tx_hash=tx, status=status, transfers=transfers, **values)


def _deposit(
    *problems: Advice, to_ours: bool = True, supported: bool = True, **kw: Any
) -> DepositCheck:
    return DepositCheck(
        addresses_checked=(OURS.lower(),),
        to_deposit_address=to_ours,
        network_supported=supported,
        asset=str(kw.pop("asset", "USDT")),
        problems=problems,
        **kw,
    )


def _with_deposit(d: Diagnosis, dep: DepositCheck) -> Diagnosis:
    """What run._diagnose_found does with a deposit check on the requested network."""
    advice = [a for a in d.advice if not (dep.problems and a is A.CREDITED)]
    needs_agent = bool(dep.problems and dep.to_deposit_address)
    advice = [*dep.problems, *advice] + ([A.AGENT_REVIEW] if needs_agent else [])
    return d.replace(deposit=dep, advice=tuple(dict.fromkeys(advice)), needs_agent=needs_agent)


def _pending_evm(*, gap: int = 0, too_low: bool = False, low: bool = False, **kw: Any) -> Diagnosis:
    fee = FeeFacts(
        kind="eip1559",
        unit="wei",
        max_fee_per_gas=3 * GWEI,
        max_priority_fee_per_gas=GWEI // 10,
        base_fee_now=int(7.25 * GWEI) if too_low else 2 * GWEI,
        suggested_max_fee_per_gas=int(14.6 * GWEI) + 7,
        too_low=too_low,
        low=low,
    )
    advice = [A.FILL_NONCE_GAP] if gap else []
    advice += [A.SPEED_UP, A.CANCEL_SAME_NONCE] if (too_low or low) else []
    nonce = NonceFacts(nonce=41 + gap, next_nonce=41)
    return _found(
        Status.PENDING, (_eth(),), fee=fee, nonce=nonce, advice=tuple(advice or [A.WAIT]), **kw
    )


def _pending_btc(*, rbf: bool, too_low: bool = False, low: bool = True) -> Diagnosis:
    fee = FeeFacts(
        kind="bitcoin",
        unit="sat/vB",
        fee_rate=2.0 if too_low else (10.0 if low else 50.0),
        rate_next_block=45.2,
        rate_half_hour=30.06,
        rate_hour=21.0,
        vsize=141,
        too_low=too_low,
        low=low and not too_low,
    )
    slow = too_low or low
    advice = ([A.RBF] if rbf and slow else []) + ([A.CPFP] if slow else [A.WAIT])
    btc = Transfer("native", "BTC", Decimal("0.015"), 1_500_000, "bc1qcustomer", "bc1qours")
    return _found(
        Status.PENDING,
        (btc,),
        fee=fee,
        rbf_signalled=rbf,
        advice=tuple(advice),
        **BTC,
        from_address="bc1qcustomer",
        to_address="bc1qours",
    )


def _failed(revert: RevertFacts, *, gas_limit: int = 60_000, **kw: Any) -> Diagnosis:
    advice = A.RETRY_WITH_MORE_GAS if revert.kind in ("out_of_gas", "out_of_energy") else None
    fee = FeeFacts(kind="eip1559", unit="wei", paid=Decimal("0.000421337"), gas_limit=gas_limit)
    values: dict[str, Any] = {"fee": fee, "confirmation": _conf(30)}
    values.update(kw)
    return _found(
        Status.FAILED,
        revert=revert,
        advice=(advice or A.FIX_CAUSE_AND_RETRY,),
        **values,
    )


def _dropped(
    replacement: ReplacementFacts | None, *, replaced: bool, advice: tuple[Advice, ...]
) -> Diagnosis:
    """What run._vanished builds: seen pending before, gone now."""
    return Diagnosis(
        tx_hash=TX,
        status=Status.DROPPED,
        **ETH,
        from_address=CUSTOMER,
        to_address=OURS,
        value=Decimal("1.5"),
        nonce=NonceFacts(nonce=41, next_nonce=42 if replaced else 41),
        seen_before=True,
        replaced_by=replacement,
        advice=advice,
    )


def _replacement(kind: str, status: Status, confirmations: int = 12) -> ReplacementFacts:
    return ReplacementFacts(NEW_TX, kind, status, 19_876_600, confirmations, 12, _url(ETH, NEW_TX))


def _wrong_network(
    dep: DepositCheck | None, there: Status = Status.CONFIRMED, **kw: Any
) -> Diagnosis:
    """Asked about Ethereum, found on BNB Smart Chain (run._diagnose_found, wrong_network)."""
    advice: list[Advice] = {
        Status.CONFIRMED: [A.CREDITED],
        Status.PENDING: [A.WAIT],
        Status.FAILED: [A.FIX_CAUSE_AND_RETRY],
    }[there]
    if not (dep is not None and dep.ok):
        advice = [a for a in advice if a is not A.CREDITED]
    if dep is None:
        advice.insert(0, A.WRONG_NETWORK_RECOVERY)
    needs_agent = bool(dep and dep.problems and dep.to_deposit_address)
    if dep is not None:
        advice = [*dep.problems, *advice]
    if needs_agent:
        advice.append(A.AGENT_REVIEW)
    default = () if there is Status.FAILED else (_usdt(),)
    transfers: tuple[Transfer, ...] = kw.pop("transfers", default)
    values: dict[str, Any] = {**BSC, **ASKED_ETH, "confirmation": _conf(40, 15, 0.75)}
    values.update(kw)
    return _found(
        Status.WRONG_NETWORK,
        transfers,
        found_elsewhere=(FoundElsewhere("bsc", "BNB Smart Chain", there),),
        deposit=dep,
        advice=tuple(dict.fromkeys(advice)),
        needs_agent=needs_agent,
        explorer_url=f"https://bscscan.com/tx/{TX}",
        **values,
    )


def _confirmed_deposit(dep: DepositCheck, transfers: tuple[Transfer, ...]) -> Diagnosis:
    d = _found(Status.CONFIRMED, transfers, confirmation=_conf(14), advice=(A.CREDITED,))
    return _with_deposit(d, dep)


def cases() -> Iterator[tuple[str, Callable[[], Diagnosis]]]:
    yield (
        "invalid_hash",
        lambda: Diagnosis(tx_hash="0x5c5c…", status=Status.INVALID_HASH, advice=(A.CHECK_HASH,)),
    )
    yield (
        "not_found",
        lambda: Diagnosis(
            tx_hash=TX,
            status=Status.NOT_FOUND,
            **ETH,
            checked_chains=("ethereum", "bsc", "tron"),
            checked_chain_names=("Ethereum", "BNB Smart Chain", "TRON"),
            advice=(A.CHECK_HASH, A.CHECK_NETWORK, A.REBROADCAST),
        ),
    )
    yield (
        "unavailable",
        lambda: Diagnosis(
            tx_hash=TX,
            status=Status.UNAVAILABLE,
            **ETH,
            **ASKED_ETH,
            unavailable_chains=("ethereum",),
            advice=(A.TRY_LATER, A.AGENT_REVIEW),
            needs_agent=True,
        ),
    )
    # --- wrong network ---
    yield (
        "wrong_network.ours_supported (BSC, our address there, accepted)",
        lambda: _wrong_network(_deposit(asset="USDT")),
    )
    yield (
        "wrong_network.ours_unsupported (our address, network not accepted)",
        lambda: _wrong_network(
            _deposit(A.WRONG_NETWORK_RECOVERY, A.UNSUPPORTED_NETWORK, supported=False, asset="USDT")
        ),
    )
    yield (
        "wrong_network.not_ours (someone else's address)",
        lambda: _wrong_network(
            _deposit(
                A.WRONG_NETWORK_RECOVERY,
                A.WRONG_ADDRESS,
                to_ours=False,
                asset="",
                expected_asset="USDT",
            ),
            transfers=(_usdt(STRANGER),),
        ),
    )
    yield "wrong_network, no deposit facts", lambda: _wrong_network(None)
    yield (
        "wrong_network, still pending there",
        lambda: _wrong_network(
            None,
            Status.PENDING,
            fee=FeeFacts(kind="legacy", unit="wei", gas_price=GWEI),
            nonce=NonceFacts(7, 7),
            confirmation=None,
        ),
    )
    yield (
        "wrong_network, failed there",
        lambda: _wrong_network(
            None,
            Status.FAILED,
            revert=RevertFacts("error_string", message="Pausable: paused"),
            fee=FeeFacts(kind="legacy", unit="wei", paid=Decimal("0.00021")),
        ),
    )
    yield (
        "wrong_network, Bitcoin vs TRON",
        lambda: _found(
            Status.WRONG_NETWORK,
            (),
            **BTC,
            **ASKED_TRON,
            found_elsewhere=(FoundElsewhere("bitcoin", "Bitcoin", Status.CONFIRMED),),
            advice=(A.WRONG_NETWORK_RECOVERY,),
        ),
    )
    # --- pending ---
    yield "pending EVM, fee fine", lambda: _pending_evm()
    yield "pending EVM, fee low", lambda: _pending_evm(low=True)
    yield "pending EVM, fee too low (below base fee)", lambda: _pending_evm(too_low=True)
    yield "pending EVM, nonce gap", lambda: _pending_evm(gap=2)
    yield "pending EVM, nonce gap and fee too low", lambda: _pending_evm(gap=1, too_low=True)
    yield "pending Bitcoin, RBF signalled, low fee", lambda: _pending_btc(rbf=True)
    yield "pending Bitcoin, no RBF, low fee", lambda: _pending_btc(rbf=False)
    yield (
        "pending Bitcoin, no RBF, fee too low (CPFP only)",
        lambda: _pending_btc(rbf=False, too_low=True),
    )
    yield "pending Bitcoin, fee fine", lambda: _pending_btc(rbf=True, low=False)
    yield (
        "pending TRON",
        lambda: _found(
            Status.PENDING,
            (_usdt(TRON_OURS, source=TRON_CUSTOMER),),
            **TRX,
            fee=FeeFacts(kind="tron", unit="sun"),
            advice=(A.WAIT,),
        ),
    )
    # --- dropped ---
    yield (
        "dropped, nonce already used (seen as pending in the pool)",
        lambda: _found(Status.DROPPED, (_eth(),), nonce=NonceFacts(41, 43), advice=(A.CHECK_HASH,)),
    )
    yield (
        "dropped.replaced, replacement unknown",
        lambda: _dropped(None, replaced=True, advice=(A.CHECK_HASH,)),
    )
    for status, n in ((Status.CONFIRMED, 12), (Status.CONFIRMING, 3), (Status.FAILED, 5)):
        yield (
            f"dropped.speed_up, new one {status.value}",
            partial(
                _dropped,
                _replacement("speed_up", status, n),
                replaced=True,
                advice=(A.FOLLOW_REPLACEMENT,),
            ),
        )
    yield (
        "dropped.cancel",
        lambda: _dropped(_replacement("cancel", Status.CONFIRMING, 1), replaced=True, advice=()),
    )
    yield (
        "dropped.other",
        lambda: _dropped(_replacement("other", Status.CONFIRMED), replaced=True, advice=()),
    )
    yield "dropped.evicted", lambda: _dropped(None, replaced=False, advice=(A.SEND_AGAIN,))
    yield (
        "dropped.expired (TRON)",
        lambda: _found(
            Status.DROPPED,
            (_usdt(TRON_OURS, source=TRON_CUSTOMER),),
            **TRX,
            expired=True,
            fee=FeeFacts(kind="tron", unit="sun"),
            advice=(A.REBROADCAST,),
        ),
    )
    # --- failed ---
    yield (
        "failed, revert string",
        lambda: _failed(RevertFacts("error_string", message="Withdrawal amount exceeds balance")),
    )
    yield (
        "failed, custom error",
        lambda: _failed(
            RevertFacts(
                "custom",
                error_name="ERC20InsufficientBalance",
                error_args={"sender": CUSTOMER.lower(), "balance": 5000000, "needed": 250500000},
            )
        ),
    )
    for reason in PANIC_MEANINGS:
        yield (
            f"failed, panic {reason}",
            partial(_failed, RevertFacts("panic", panic_code=0x11, panic_reason=reason)),
        )
    yield "failed, no reason", lambda: _failed(RevertFacts("no_data"))
    yield (
        "failed, unknown error code",
        lambda: _failed(RevertFacts("unknown_selector", raw_data="0xfb8f41b2" + "00" * 64)),
    )
    yield "failed, reason unavailable", lambda: _failed(RevertFacts("unavailable"))
    yield "failed, out of gas", lambda: _failed(RevertFacts("out_of_gas"))
    tron_fee = FeeFacts(kind="tron", unit="sun", paid=Decimal("8"), energy_used=64_285)
    yield (
        "failed, TRON out of energy",
        lambda: _failed(RevertFacts("out_of_energy"), fee=tron_fee, **TRX),
    )
    yield (
        "failed, TRON revert string",
        lambda: _failed(
            RevertFacts("error_string", message="SafeMath: subtraction overflow"),
            fee=tron_fee,
            **TRX,
        ),
    )
    # --- confirming / confirmed ---
    yield (
        "confirming, under a minute",
        lambda: _found(
            Status.CONFIRMING, (_eth(),), confirmation=_conf(9), advice=(A.WAIT_FOR_CONFIRMATIONS,)
        ),
    )
    yield (
        "confirming, minutes (Bitcoin)",
        lambda: _found(
            Status.CONFIRMING,
            (),
            **BTC,
            confirmation=_conf(1, 2, 600),
            advice=(A.WAIT_FOR_CONFIRMATIONS,),
        ),
    )
    yield (
        "confirming, hours",
        lambda: _found(
            Status.CONFIRMING,
            (_eth(),),
            confirmation=_conf(1, 64, 600),
            advice=(A.WAIT_FOR_CONFIRMATIONS,),
        ),
    )
    yield (
        "confirmed, no deposit facts",
        lambda: _found(Status.CONFIRMED, (_eth(),), confirmation=_conf(12), advice=(A.CREDITED,)),
    )
    yield (
        "confirmed, deposit ok",
        lambda: _with_deposit(
            _found(Status.CONFIRMED, (_usdt(),), confirmation=_conf(14), advice=(A.CREDITED,)),
            _deposit(),
        ),
    )
    # --- deposit problems (confirmed on the requested network) ---
    problems: list[tuple[str, DepositCheck, tuple[Transfer, ...]]] = [
        (
            "wrong token (not accepted)",
            _deposit(A.UNSUPPORTED_TOKEN, asset="PEPE"),
            (Transfer("erc20", "PEPE", Decimal("1000000"), 0, CUSTOMER, OURS),),
        ),
        ("asset mismatch", _deposit(A.ASSET_MISMATCH, expected_asset="USDC"), (_usdt(),)),
        (
            "amount mismatch",
            _deposit(
                A.AMOUNT_MISMATCH, expected_amount=Decimal("300"), received_amount=Decimal("250.5")
            ),
            (_usdt(),),
        ),
        (
            "memo missing",
            _deposit(A.MEMO_MISSING, memo_required=True, memo_present=False),
            (_usdt(),),
        ),
        ("unsupported network", _deposit(A.UNSUPPORTED_NETWORK, supported=False), (_usdt(),)),
        ("wrong address", _deposit(A.WRONG_ADDRESS, to_ours=False), (_usdt(STRANGER),)),
        ("nothing received", _deposit(A.NOTHING_RECEIVED, to_ours=False), ()),
    ]
    for name, dep, transfers in problems:
        yield (
            f"confirmed deposit, {name}",
            partial(_confirmed_deposit, dep, transfers),
        )
    yield (
        "confirming deposit, memo missing (TRON)",
        lambda: _with_deposit(
            _found(
                Status.CONFIRMING,
                (_usdt(TRON_OURS, "80", source=TRON_CUSTOMER),),
                **TRX,
                confirmation=_conf(5, 19, 3),
                advice=(A.WAIT_FOR_CONFIRMATIONS,),
            ),
            _deposit(A.MEMO_MISSING, memo_required=True, memo_present=False),
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("filter", nargs="?", default="", help="only cases whose name has this")
    parser.add_argument("--lang", choices=("en", "zh", "both"), default="both")
    args = parser.parse_args()
    languages = {"en": [EN], "zh": [ZH], "both": [EN, ZH]}[args.lang]
    for name, build in cases():
        if args.filter not in name:
            continue
        diagnosis = build()
        advice = ", ".join(a.value for a in diagnosis.advice) or "-"
        print(f"=== {name}  [{diagnosis.status.value}; advice: {advice}]")
        for language in languages:
            e = explain(diagnosis, language)
            agent = "  (handed to an agent)" if e.needs_agent else ""
            print(f"--- {language}{agent}\n{e.text}\n")


if __name__ == "__main__":
    main()
