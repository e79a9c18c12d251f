"""What became of an EVM transaction that was seen pending and is now unknown to the network.

A node forgets a transaction in two ways: another transaction from the same sender with the
same nonce was mined instead (a wallet's "speed up" or "cancel", or a different payment), or
the pool evicted it unmined (fee too low for too long, node restart). The sender's nonce tells
them apart; a binary search over the sender's nonce by block finds the replacing transaction
without scanning blocks (it needs the node to answer for past blocks; without that, the
replacement is known to exist but not named).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from blockdesk.chain.addresses import to_checksum_address
from blockdesk.chain.diagnosis.evm import input_digest
from blockdesk.chain.diagnosis.facts import NonceFacts, ReplacementFacts, Sighting, Status
from blockdesk.chain.registry import ChainInfo
from blockdesk.chain.rpc import ChainApiError
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient, to_int

logger = logging.getLogger(__name__)

MAX_SEARCH_STEPS = 40  # 2**40 blocks: the search always ends


@dataclass(frozen=True)
class Fate:
    nonce: NonceFacts
    replacement: ReplacementFacts | None  # None: evicted unmined, or not found by the search

    @property
    def replaced(self) -> bool:
        return self.nonce.replaced


def find_fate(client: EvmRpcClient, chain: ChainInfo, seen: Sighting) -> Fate:
    """Raises :class:`ChainApiError` when the node cannot say whether the nonce was used."""
    next_nonce = client.get_transaction_count(seen.from_address, "latest")
    nonce = NonceFacts(nonce=seen.nonce, next_nonce=next_nonce)
    if not nonce.replaced:
        return Fate(nonce=nonce, replacement=None)
    try:
        replacement = _replacement(client, chain, seen)
    except ChainApiError as exc:
        # Typically a pruned node that cannot answer for old blocks: the nonce says enough.
        logger.info("replacement search on %s stopped: %s", chain.key, exc)
        replacement = None
    return Fate(nonce=nonce, replacement=replacement)


def _used(client: EvmRpcClient, seen: Sighting, block: int) -> bool:
    return client.get_transaction_count(seen.from_address, block) > seen.nonce


def _replacement(client: EvmRpcClient, chain: ChainInfo, seen: Sighting) -> ReplacementFacts | None:
    latest = client.block_number()
    low = min(seen.block_number, latest)
    if _used(client, seen, low):
        return None  # already used when we saw it pending: a lagging node; do not guess
    high = latest  # invariant: unused at ``low``, used at ``high``
    for _ in range(MAX_SEARCH_STEPS):
        if high - low <= 1:
            break
        middle = (low + high) // 2
        if _used(client, seen, middle):
            high = middle
        else:
            low = middle
    block = client.request("eth_getBlockByNumber", [hex(high), True])
    transactions = block.get("transactions", []) if isinstance(block, dict) else []
    for tx in transactions:
        if not isinstance(tx, dict) or to_int(tx.get("nonce", "0x0")) != seen.nonce:
            continue
        if str(tx.get("from", "")).lower() != seen.from_address.lower():
            continue
        return _facts(client, chain, tx, latest=latest, seen=seen)
    return None


def _kind(tx: dict[str, Any], seen: Sighting) -> str:
    to = to_checksum_address(str(tx["to"])) if tx.get("to") else ""
    value = to_int(tx.get("value", "0x0"))
    if to == seen.to_address and value == seen.value_wei and input_digest(tx) == seen.input_digest:
        return "speed_up"
    if to.lower() == seen.from_address.lower() and value == 0:
        return "cancel"
    return "other"


def _facts(
    client: EvmRpcClient, chain: ChainInfo, tx: dict[str, Any], *, latest: int, seen: Sighting
) -> ReplacementFacts:
    tx_hash = str(tx["hash"])
    receipt = client.get_receipt(tx_hash) or {}
    block_number = to_int(receipt.get("blockNumber") or tx.get("blockNumber") or "0x0")
    confirmations = max(0, latest - block_number + 1)
    if to_int(receipt.get("status", "0x1")) == 0:
        status = Status.FAILED
    elif confirmations >= chain.required_confirmations:
        status = Status.CONFIRMED
    else:
        status = Status.CONFIRMING
    return ReplacementFacts(
        tx_hash=tx_hash,
        kind=_kind(tx, seen),
        status=status,
        block_number=block_number,
        confirmations=confirmations,
        required=chain.required_confirmations,
        explorer_url=chain.tx_url(tx_hash),
    )
