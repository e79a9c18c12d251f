"""TRON transaction diagnosis through the full-node HTTP API (TronGrid-compatible): TRX and
TRC-20 transfers, failures (revert, out of energy), confirmations and expiry."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from blockdesk.chain.diagnosis.evm import TRANSFER_TOPIC
from blockdesk.chain.diagnosis.facts import (
    Advice,
    ConfirmationFacts,
    FeeFacts,
    RevertFacts,
    Status,
    Transfer,
)
from blockdesk.chain.diagnosis.revert import decode_revert
from blockdesk.chain.registry import ChainInfo, ErrorRegistry
from blockdesk.chain.rpc.tron import TronClient
from blockdesk.common.base58 import b58check_encode

_SUN_DECIMALS = 6


@dataclass(frozen=True)
class TronFindings:
    status: Status
    from_address: str
    to_address: str
    value: Decimal
    fee: FeeFacts
    transfers: tuple[Transfer, ...] = ()
    confirmation: ConfirmationFacts | None = None
    revert: RevertFacts | None = None
    expired: bool = False
    advice: tuple[Advice, ...] = ()


def tron_address(hex_address: str) -> str:
    """Hex (with or without the 41 prefix, or a 32-byte log topic) -> base58 T-address."""
    text = hex_address.lower().removeprefix("0x")
    body = text[-40:]
    return b58check_encode(bytes.fromhex("41" + body)) if len(body) == 40 else hex_address


def _contract(tx: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    try:
        contract = tx["raw_data"]["contract"][0]
        return str(contract.get("type", "")), dict(contract["parameter"]["value"])
    except (KeyError, IndexError, TypeError):
        return "", {}


def _trc20_transfers(chain: ChainInfo, logs: list[dict[str, Any]]) -> list[Transfer]:
    found = []
    for log in logs:
        topics = [str(t).lower().removeprefix("0x") for t in log.get("topics") or []]
        if len(topics) != 3 or "0x" + topics[0] != TRANSFER_TOPIC:
            continue
        token = tron_address(str(log.get("address", "")))
        known = chain.token(token)
        raw = int(str(log.get("data") or "0"), 16)
        decimals = known.decimals if known else None
        found.append(
            Transfer(
                standard="trc20",
                symbol=known.symbol if known else "?",
                amount=Decimal(raw).scaleb(-decimals) if decimals is not None else None,
                raw_amount=raw,
                from_address=tron_address(topics[1]),
                to_address=tron_address(topics[2]),
                token_address=token,
                decimals=decimals,
                known_token=known is not None,
            )
        )
    return found


def diagnose(
    client: TronClient, chain: ChainInfo, tx: dict[str, Any], *, errors: ErrorRegistry
) -> TronFindings:
    kind, value = _contract(tx)
    sender = tron_address(str(value.get("owner_address", ""))) if value.get("owner_address") else ""
    target = value.get("to_address") or value.get("contract_address") or ""
    recipient = tron_address(str(target)) if target else ""
    amount_sun = int(value.get("amount", 0)) if kind == "TransferContract" else 0
    native = Decimal(amount_sun).scaleb(-_SUN_DECIMALS)
    transfers: list[Transfer] = []
    if amount_sun:
        transfers.append(
            Transfer(
                standard="native",
                symbol=chain.native_symbol,
                amount=native,
                raw_amount=amount_sun,
                from_address=sender,
                to_address=recipient,
                decimals=_SUN_DECIMALS,
                known_token=True,
            )
        )

    info = client.transaction_info(str(tx.get("txID", "")))
    if not info or "blockNumber" not in info:
        expiration_ms = int((tx.get("raw_data") or {}).get("expiration", 0))
        expired = bool(expiration_ms) and expiration_ms / 1000 < time.time()
        return TronFindings(
            status=Status.DROPPED if expired else Status.PENDING,
            from_address=sender,
            to_address=recipient,
            value=native,
            fee=FeeFacts(kind="tron", unit="sun"),
            transfers=tuple(transfers),
            expired=expired,
            advice=(Advice.REBROADCAST,) if expired else (Advice.WAIT,),
        )

    receipt = info.get("receipt") or {}
    fee = FeeFacts(
        kind="tron",
        unit="sun",
        paid=Decimal(int(info.get("fee", 0))).scaleb(-_SUN_DECIMALS),
        energy_used=int(receipt.get("energy_usage_total", 0)) or None,
        gas_limit=int((tx.get("raw_data") or {}).get("fee_limit", 0)) or None,
    )
    block = int(info["blockNumber"])
    confirmation = ConfirmationFacts(
        block_number=block,
        confirmations=max(0, client.head_block_number() - block + 1),
        required=chain.required_confirmations,
        block_time_seconds=chain.block_time_seconds,
    )
    result = str(receipt.get("result") or (tx.get("ret") or [{}])[0].get("contractRet") or "")
    if result and result != "SUCCESS":
        if result == "OUT_OF_ENERGY":
            revert = RevertFacts(kind="out_of_energy")
            advice = Advice.RETRY_WITH_MORE_GAS
        else:
            data = (info.get("contractResult") or [""])[0]
            revert = decode_revert("0x" + str(data), errors=errors, contract=None)
            if revert.kind == "no_data" and info.get("resMessage"):
                message = bytes.fromhex(str(info["resMessage"])).decode("utf-8", "replace")
                revert = RevertFacts(kind="error_string", message=message)
            advice = Advice.FIX_CAUSE_AND_RETRY
        return TronFindings(
            status=Status.FAILED,
            from_address=sender,
            to_address=recipient,
            value=native,
            fee=fee,
            revert=revert,
            advice=(advice,),
            confirmation=confirmation,
        )

    transfers += _trc20_transfers(chain, info.get("log") or [])
    done = confirmation.remaining == 0
    return TronFindings(
        status=Status.CONFIRMED if done else Status.CONFIRMING,
        from_address=sender,
        to_address=recipient,
        value=native,
        fee=fee,
        transfers=tuple(transfers),
        confirmation=confirmation,
        advice=(Advice.CREDITED,) if done else (Advice.WAIT_FOR_CONFIRMATIONS,),
    )
