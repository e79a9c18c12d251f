"""Bitcoin transaction diagnosis through an Esplora REST API: confirmations, fee rate against
today's estimates, RBF signalling and outputs (for the deposit check)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from blockdesk.chain.diagnosis.facts import Advice, ConfirmationFacts, FeeFacts, Status, Transfer
from blockdesk.chain.registry import ChainInfo
from blockdesk.chain.rpc.esplora import EsploraClient

_RBF_MAX_SEQUENCE = 0xFFFFFFFD  # BIP-125: any input with nSequence <= this signals RBF


@dataclass(frozen=True)
class BitcoinFindings:
    status: Status
    from_address: str
    to_address: str
    fee: FeeFacts
    transfers: tuple[Transfer, ...]
    confirmation: ConfirmationFacts | None
    rbf_signalled: bool
    advice: tuple[Advice, ...]


def _btc(sats: int, decimals: int) -> Decimal:
    return Decimal(sats).scaleb(-decimals)


def _nearest(estimates: dict[int, float], target: int) -> float | None:
    """Esplora's rate for ``target`` blocks, or the closest slower target it has."""
    keys = sorted(k for k in estimates if k >= target)
    return estimates[keys[0]] if keys else None


def diagnose(client: EsploraClient, chain: ChainInfo, tx: dict[str, Any]) -> BitcoinFindings:
    vin = tx.get("vin") or []
    vout = tx.get("vout") or []
    senders = [
        str((i.get("prevout") or {}).get("scriptpubkey_address") or "")
        for i in vin
        if (i.get("prevout") or {}).get("scriptpubkey_address")
    ]
    sender = senders[0] if senders else ""
    # Outputs back to a spending address are change, not a payment ("from A to A" puzzles);
    # a transaction that only pays its own addresses (a consolidation) keeps them all.
    paid = [o for o in vout if o.get("scriptpubkey_address")]
    payments = [o for o in paid if o["scriptpubkey_address"] not in set(senders)] or paid
    transfers = tuple(
        Transfer(
            standard="native",
            symbol=chain.native_symbol,
            amount=_btc(int(o.get("value", 0)), chain.native_decimals),
            raw_amount=int(o.get("value", 0)),
            from_address=sender,
            to_address=str(o["scriptpubkey_address"]),
            decimals=chain.native_decimals,
            known_token=True,
        )
        for o in payments
    )
    rbf = any(int(i.get("sequence", 0xFFFFFFFF)) <= _RBF_MAX_SEQUENCE for i in vin)
    fee_sats = int(tx.get("fee", 0))
    vsize = math.ceil(int(tx.get("weight", 0)) / 4) or int(tx.get("size", 0)) or 1
    rate = fee_sats / vsize
    status = tx.get("status") or {}
    recipient = transfers[0].to_address if transfers else ""

    if status.get("confirmed"):
        height = int(status["block_height"])
        confirmation = ConfirmationFacts(
            block_number=height,
            confirmations=max(0, client.tip_height() - height + 1),
            required=chain.required_confirmations,
            block_time_seconds=chain.block_time_seconds,
        )
        done = confirmation.remaining == 0
        return BitcoinFindings(
            status=Status.CONFIRMED if done else Status.CONFIRMING,
            from_address=sender,
            to_address=recipient,
            fee=FeeFacts(
                kind="bitcoin",
                unit="sat/vB",
                paid=_btc(fee_sats, chain.native_decimals),
                fee_rate=round(rate, 2),
                vsize=vsize,
            ),
            transfers=transfers,
            confirmation=confirmation,
            rbf_signalled=rbf,
            advice=(Advice.CREDITED,) if done else (Advice.WAIT_FOR_CONFIRMATIONS,),
        )

    estimates = client.fee_estimates()
    next_block, half_hour, hour = (_nearest(estimates, t) for t in (1, 3, 6))
    slowest = min(estimates.values()) if estimates else None
    # Below the slowest estimate it may never confirm; below the hourly one it will be slow.
    too_low = slowest is not None and rate < slowest
    low = not too_low and hour is not None and rate < hour
    advice: list[Advice] = []
    if too_low or low:
        advice += [Advice.RBF] if rbf else []
        advice.append(Advice.CPFP)
    else:
        advice.append(Advice.WAIT)
    return BitcoinFindings(
        status=Status.PENDING,
        from_address=sender,
        to_address=recipient,
        fee=FeeFacts(
            kind="bitcoin",
            unit="sat/vB",
            fee_rate=round(rate, 2),
            vsize=vsize,
            rate_next_block=next_block,
            rate_half_hour=half_hour,
            rate_hour=hour,
            too_low=too_low,
            low=low,
        ),
        transfers=transfers,
        confirmation=None,
        rbf_signalled=rbf,
        advice=tuple(advice),
    )
