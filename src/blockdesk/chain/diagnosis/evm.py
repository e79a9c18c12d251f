"""EVM transaction diagnosis over JSON-RPC: pending (fees, nonce), failed (revert reason, out
of gas) and succeeded (confirmations, ERC-20 transfers)."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from decimal import Decimal
from statistics import median
from typing import Any

from blockdesk.chain.addresses import to_checksum_address
from blockdesk.chain.diagnosis.facts import (
    Advice,
    ConfirmationFacts,
    FeeFacts,
    NonceFacts,
    RevertFacts,
    Sighting,
    Status,
    Transfer,
)
from blockdesk.chain.diagnosis.revert import decode_revert, revert_data_from_error
from blockdesk.chain.registry import ChainInfo, ErrorRegistry
from blockdesk.chain.rpc import ChainApiError, RpcError
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient, opt_int, to_int

logger = logging.getLogger(__name__)

# keccak-256 of the signatures, written out so that eth_abi and eth_utils (~17 MB) load
# only when a diagnosis decodes something (tests/perf_guards/test_startup_imports.py).
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
_TRANSFER_SELECTOR = "a9059cbb"  # transfer(address,uint256)
_TRANSFER_FROM_SELECTOR = "23b872dd"  # transferFrom(address,address,uint256)
_SYMBOL_CALL = "0x95d89b41"  # symbol()
_DECIMALS_CALL = "0x313ce567"  # decimals()
_BLOCK_SAMPLE = 50  # blocks used to measure the recent block time


@dataclass(frozen=True)
class EvmFindings:
    """What the EVM reader learnt; the orchestrator adds the deposit check and explanation."""

    status: Status
    from_address: str
    to_address: str
    value: Decimal
    fee: FeeFacts
    transfers: tuple[Transfer, ...] = ()
    confirmation: ConfirmationFacts | None = None
    nonce: NonceFacts | None = None
    revert: RevertFacts | None = None
    advice: tuple[Advice, ...] = ()
    sighting: Sighting | None = None


def input_digest(tx: dict[str, Any]) -> str:
    """sha256 of a transaction's calldata (hex), to recognise the same payment re-sent."""
    data = str(tx.get("input") or tx.get("data") or "0x").lower().removeprefix("0x")
    try:
        raw = bytes.fromhex(data)
    except ValueError:  # a malformed node answer: still a stable digest
        raw = data.encode()
    return hashlib.sha256(raw).hexdigest()


def _address(value: Any) -> str:
    return to_checksum_address(str(value)) if value else ""


def _units(raw: int, decimals: int) -> Decimal:
    return Decimal(raw).scaleb(-decimals)


def find_transaction(client: EvmRpcClient, tx_hash: str) -> dict[str, Any] | None:
    return client.get_transaction(tx_hash)


def diagnose(
    client: EvmRpcClient,
    chain: ChainInfo,
    tx: dict[str, Any],
    *,
    errors: ErrorRegistry,
) -> EvmFindings:
    tx_hash = str(tx["hash"])
    latest = client.get_block("latest") or {}
    latest_number = to_int(latest.get("number", "0x0"))
    value = _units(to_int(tx.get("value", "0x0")), chain.native_decimals)
    sender, recipient = _address(tx.get("from")), _address(tx.get("to"))
    receipt = client.get_receipt(tx_hash) if tx.get("blockNumber") is not None else None

    if receipt is None:
        return _pending(client, chain, tx, latest, sender, recipient, value)

    fee = _mined_fee(chain, tx, receipt)
    block_number = to_int(receipt["blockNumber"])
    confirmation = ConfirmationFacts(
        block_number=block_number,
        confirmations=max(0, latest_number - block_number + 1),
        required=chain.required_confirmations,
        block_time_seconds=chain.block_time_seconds,
    )
    if to_int(receipt.get("status", "0x1")) == 0:
        revert = _revert(client, tx, receipt, errors=errors)
        advice = (
            Advice.RETRY_WITH_MORE_GAS
            if revert.kind == "out_of_gas"
            else Advice.FIX_CAUSE_AND_RETRY,
        )
        return EvmFindings(
            status=Status.FAILED,
            from_address=sender,
            to_address=recipient,
            value=value,
            fee=fee,
            revert=revert,
            advice=advice,
            confirmation=confirmation,
        )

    transfers = list(_native_transfer(chain, sender, recipient, tx))
    transfers += _token_transfers(client, chain, receipt.get("logs") or [])
    if confirmation.remaining:
        confirmation = dataclasses.replace(
            confirmation, block_time_seconds=_block_time(client, chain, latest)
        )
    done = confirmation.remaining == 0
    return EvmFindings(
        status=Status.CONFIRMED if done else Status.CONFIRMING,
        from_address=sender,
        to_address=recipient,
        value=value,
        fee=fee,
        transfers=tuple(transfers),
        confirmation=confirmation,
        advice=(Advice.CREDITED,) if done else (Advice.WAIT_FOR_CONFIRMATIONS,),
    )


# --- pending -----------------------------------------------------------------------------------


def _pending(
    client: EvmRpcClient,
    chain: ChainInfo,
    tx: dict[str, Any],
    latest: dict[str, Any],
    sender: str,
    recipient: str,
    value: Decimal,
) -> EvmFindings:
    nonce = NonceFacts(
        nonce=to_int(tx["nonce"]),
        next_nonce=client.get_transaction_count(sender, "latest"),
        pending_count=_optional(lambda: client.get_transaction_count(sender, "pending")),
    )
    fee = _pending_fee(client, tx, latest)
    sighting = Sighting(
        chain_key=chain.key,
        from_address=sender,
        to_address=recipient,
        nonce=nonce.nonce,
        value_wei=to_int(tx.get("value", "0x0")),
        input_digest=input_digest(tx),
        block_number=to_int(latest.get("number", "0x0")),
    )
    intended = tuple(_native_transfer(chain, sender, recipient, tx)) + _intended_token_transfer(
        client, chain, sender, recipient, tx
    )
    if nonce.replaced:
        # Another transaction with this nonce is already mined: this one can never be.
        return EvmFindings(
            status=Status.DROPPED,
            from_address=sender,
            to_address=recipient,
            value=value,
            fee=fee,
            nonce=nonce,
            transfers=intended,
            advice=(),  # the text says where to look: the wallet's history
            sighting=sighting,
        )
    advice: list[Advice] = []
    if nonce.gap:
        advice.append(Advice.FILL_NONCE_GAP)
    if fee.too_low or fee.low:
        advice += [Advice.SPEED_UP, Advice.CANCEL_SAME_NONCE]
    if not advice:
        advice.append(Advice.WAIT)
    return EvmFindings(
        status=Status.PENDING,
        from_address=sender,
        to_address=recipient,
        value=value,
        fee=fee,
        nonce=nonce,
        transfers=intended,
        advice=tuple(advice),
        sighting=sighting,
    )


def _optional(fn: Any) -> Any:
    try:
        return fn()
    except ChainApiError:
        return None


def _pending_fee(client: EvmRpcClient, tx: dict[str, Any], latest: dict[str, Any]) -> FeeFacts:
    max_fee = opt_int(tx.get("maxFeePerGas"))
    max_tip = opt_int(tx.get("maxPriorityFeePerGas"))
    gas_price = opt_int(tx.get("gasPrice"))
    base_fee = opt_int(latest.get("baseFeePerGas"))
    tip: int | None = None
    history = _optional(lambda: client.fee_history(5, "latest", [50]))
    if isinstance(history, dict):
        bases = history.get("baseFeePerGas") or []
        if bases:
            base_fee = to_int(bases[-1])  # the last entry is the next block's base fee
        rewards = [to_int(r[0]) for r in history.get("reward") or [] if r]
        if rewards:
            tip = int(median(rewards))
    if base_fee is None:  # pre-London chains: the node's gas price is the going rate
        going = _optional(lambda: to_int(client.request("eth_gasPrice")))
        offered = gas_price or 0
        return FeeFacts(
            kind="legacy",
            unit="wei",
            gas_limit=to_int(tx["gas"]),
            gas_price=gas_price,
            suggested_max_fee_per_gas=going,
            too_low=going is not None and offered < going,
        )
    tip = tip if tip is not None else 0
    # Wallets' usual "fast" formula: twice the base fee, so a few full blocks do not strand it.
    suggested = 2 * base_fee + max(tip, 1)
    is_1559 = max_fee is not None
    offered_cap = max_fee if is_1559 else gas_price
    offered_tip = max_tip if is_1559 else (gas_price or 0) - base_fee
    too_low = offered_cap is not None and offered_cap < base_fee
    low = not too_low and offered_tip is not None and tip > 0 and offered_tip < tip
    return FeeFacts(
        kind="eip1559" if is_1559 else "legacy",
        unit="wei",
        gas_limit=to_int(tx["gas"]),
        gas_price=gas_price if not is_1559 else None,
        max_fee_per_gas=max_fee,
        max_priority_fee_per_gas=max_tip,
        base_fee_now=base_fee,
        suggested_priority_fee=tip,
        suggested_max_fee_per_gas=suggested,
        too_low=too_low,
        low=low,
    )


# --- mined -------------------------------------------------------------------------------------


def _mined_fee(chain: ChainInfo, tx: dict[str, Any], receipt: dict[str, Any]) -> FeeFacts:
    gas_used = to_int(receipt.get("gasUsed", "0x0"))
    price = opt_int(receipt.get("effectiveGasPrice")) or opt_int(tx.get("gasPrice")) or 0
    is_1559 = tx.get("maxFeePerGas") is not None
    paid = _units(gas_used * price, chain.native_decimals)
    l1_fee = opt_int(receipt.get("l1Fee"))  # OP-stack rollups charge the L1 data fee on top
    if l1_fee:
        paid += _units(l1_fee, chain.native_decimals)
    return FeeFacts(
        kind="eip1559" if is_1559 else "legacy",
        unit="wei",
        paid=paid,
        gas_limit=to_int(tx["gas"]),
        gas_used=gas_used,
        effective_gas_price=price,
        max_fee_per_gas=opt_int(tx.get("maxFeePerGas")),
        max_priority_fee_per_gas=opt_int(tx.get("maxPriorityFeePerGas")),
        gas_price=None if is_1559 else opt_int(tx.get("gasPrice")),
    )


def _revert(
    client: EvmRpcClient, tx: dict[str, Any], receipt: dict[str, Any], *, errors: ErrorRegistry
) -> RevertFacts:
    gas_limit, gas_used = to_int(tx["gas"]), to_int(receipt.get("gasUsed", "0x0"))
    if gas_used >= gas_limit:
        return RevertFacts(kind="out_of_gas")
    call: dict[str, Any] = {
        "from": tx.get("from"),
        "to": tx.get("to"),
        "data": tx.get("input") or tx.get("data") or "0x",
        "value": tx.get("value", "0x0"),
        "gas": tx.get("gas"),
    }
    if call["to"] is None:
        call.pop("to")  # a failed contract deployment
    try:
        # Replaying at the failed transaction's block re-runs it on (nearly) the same state.
        client.call(call, to_int(receipt["blockNumber"]))
    except RpcError as exc:
        data = revert_data_from_error(exc.data)
        if data is None and "out of gas" in exc.rpc_message.lower():
            return RevertFacts(kind="out_of_gas")
        return decode_revert(
            data if data is not None else "0x", errors=errors, contract=call.get("to")
        )
    except ChainApiError:
        return RevertFacts(kind="unavailable")
    # The replay succeeded: the state it depended on has changed since (e.g. a price moved).
    return RevertFacts(kind="unavailable")


def _native_transfer(
    chain: ChainInfo, sender: str, recipient: str, tx: dict[str, Any]
) -> tuple[Transfer, ...]:
    raw = to_int(tx.get("value", "0x0"))
    if not raw or not recipient:
        return ()
    return (
        Transfer(
            standard="native",
            symbol=chain.native_symbol,
            amount=_units(raw, chain.native_decimals),
            raw_amount=raw,
            from_address=sender,
            to_address=recipient,
            decimals=chain.native_decimals,
            known_token=True,
        ),
    )


def _token_meta(client: EvmRpcClient, chain: ChainInfo, token: str) -> tuple[str, int | None, bool]:
    known = chain.token(token)
    if known is not None:
        return known.symbol, known.decimals, True
    from eth_abi import decode as abi_decode
    from eth_abi.exceptions import DecodingError

    symbol, decimals = "?", None
    try:
        (decimals,) = abi_decode(
            ["uint8"], bytes.fromhex(client.call({"to": token, "data": _DECIMALS_CALL})[2:])
        )
        out = bytes.fromhex(client.call({"to": token, "data": _SYMBOL_CALL})[2:])
        symbol = _decode_symbol(out)
    except (ChainApiError, DecodingError, ValueError, OverflowError):
        pass
    return symbol, decimals, False


def _decode_symbol(out: bytes) -> str:
    if len(out) == 32:  # old tokens (MKR...) return bytes32
        return out.rstrip(b"\0").decode("utf-8", "replace")
    from eth_abi import decode as abi_decode

    (text,) = abi_decode(["string"], out)
    return str(text)[:16]


def _token_transfers(
    client: EvmRpcClient, chain: ChainInfo, logs: list[dict[str, Any]]
) -> list[Transfer]:
    found: list[Transfer] = []
    meta: dict[str, tuple[str, int | None, bool]] = {}
    for log in logs:
        topics = [str(t).lower() for t in log.get("topics") or []]
        # ERC-20 Transfer has 3 topics; ERC-721's has 4 (the token id) and is not an amount.
        if len(topics) != 3 or topics[0] != TRANSFER_TOPIC:
            continue
        try:
            raw = int(str(log.get("data") or "0x0"), 16)
        except ValueError:
            continue
        token = _address(log.get("address"))
        if token not in meta:
            meta[token] = _token_meta(client, chain, token)
        symbol, decimals, known = meta[token]
        found.append(
            Transfer(
                standard="erc20",
                symbol=symbol,
                amount=_units(raw, decimals) if decimals is not None else None,
                raw_amount=raw,
                from_address=_address("0x" + topics[1][-40:]),
                to_address=_address("0x" + topics[2][-40:]),
                token_address=token,
                decimals=decimals,
                known_token=known,
            )
        )
    return found


def _intended_token_transfer(
    client: EvmRpcClient, chain: ChainInfo, sender: str, token: str, tx: dict[str, Any]
) -> tuple[Transfer, ...]:
    """For a pending transaction: the ERC-20 transfer its calldata asks for."""
    if not token:
        return ()  # a contract deployment
    data = str(tx.get("input") or "0x")[2:]
    selector, body = data[:8], bytes.fromhex(data[8:]) if len(data) % 2 == 0 else b""
    from eth_abi import decode as abi_decode
    from eth_abi.exceptions import DecodingError

    try:
        if selector == _TRANSFER_SELECTOR:
            to, raw = abi_decode(["address", "uint256"], body)
            source = sender
        elif selector == _TRANSFER_FROM_SELECTOR:
            source, to, raw = abi_decode(["address", "address", "uint256"], body)
        else:
            return ()
    except (DecodingError, ValueError, OverflowError):
        return ()
    symbol, decimals, known = _token_meta(client, chain, token)
    return (
        Transfer(
            standard="erc20",
            symbol=symbol,
            amount=_units(raw, decimals) if decimals is not None else None,
            raw_amount=raw,
            from_address=_address(source),
            to_address=_address(to),
            token_address=token,
            decimals=decimals,
            known_token=known,
        ),
    )


def _block_time(client: EvmRpcClient, chain: ChainInfo, latest: dict[str, Any]) -> float:
    """Measured over recent blocks; the configured value when the chain is idle or young."""
    try:
        number = to_int(latest["number"])
        if number < _BLOCK_SAMPLE:
            return chain.block_time_seconds
        older = client.get_block(number - _BLOCK_SAMPLE)
        if not older:
            return chain.block_time_seconds
        span = to_int(latest["timestamp"]) - to_int(older["timestamp"])
    except (ChainApiError, KeyError, ValueError):
        return chain.block_time_seconds
    measured = span / _BLOCK_SAMPLE
    return measured if measured > 0 else chain.block_time_seconds
