"""The diagnosis entry point: find the transaction on the right (or wrong) network, read it with
the family's reader, check the deposit and settle on advice.

Pure with respect to the database: it works on :class:`ChainInfo` snapshots, so selectors,
the watch task and tests can all feed it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from blockdesk.chain.diagnosis import bitcoin, evm, tron
from blockdesk.chain.diagnosis.deposit import check_deposit
from blockdesk.chain.diagnosis.facts import Advice, Diagnosis, FoundElsewhere, Sighting, Status
from blockdesk.chain.diagnosis.replacement import find_fate
from blockdesk.chain.registry import ChainInfo, ErrorRegistry
from blockdesk.chain.rpc import ChainApiError
from blockdesk.chain.rpc.esplora import EsploraClient
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient
from blockdesk.chain.rpc.tron import TronClient

logger = logging.getLogger(__name__)

_HASH_RE = re.compile(r"(?:0[xX])?([0-9a-fA-F]{64})")
Client = EvmRpcClient | EsploraClient | TronClient


def normalize_tx_hash(text: str) -> str | None:
    """64 lower-case hex digits without prefix, or None."""
    match = _HASH_RE.fullmatch((text or "").strip())
    return match.group(1).lower() if match else None


def chain_hash(chain: ChainInfo, digits: str) -> str:
    return "0x" + digits if chain.family == "evm" else digits


def open_client(chain: ChainInfo) -> Client:
    if chain.family == "evm":
        return EvmRpcClient(chain.urls, allow_private=chain.allow_private_rpc)
    if chain.family == "bitcoin":
        return EsploraClient(chain.urls, allow_private=chain.allow_private_rpc)
    if chain.family == "tron":
        return TronClient(chain.urls, api_key=chain.api_key, allow_private=chain.allow_private_rpc)
    raise ChainApiError(f"{chain.key} cannot be queried")


def _lookup(client: Client, chain: ChainInfo, digits: str) -> dict[str, Any] | None:
    if isinstance(client, EvmRpcClient):
        return evm.find_transaction(client, chain_hash(chain, digits))
    return client.transaction(digits)


def _to_decimal(value: Decimal | str | float | int | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None


def _probe_order(
    chains: Sequence[ChainInfo], requested: ChainInfo | None, prefixed: bool
) -> list[ChainInfo]:
    others = [c for c in chains if c.queryable and c is not requested]
    # A 0x hash is almost surely EVM; bare hex is Bitcoin/TRON first (but EVM still possible).
    others.sort(key=lambda c: (c.family == "evm") != prefixed)
    return ([requested] if requested is not None and requested.queryable else []) + others


def diagnose_on_chains(
    *,
    tx_hash: str,
    chains: Sequence[ChainInfo],
    errors: ErrorRegistry,
    chain_key: str | None = None,
    expected_asset: str | None = None,
    expected_amount: Decimal | str | None = None,
    deposit_address: str | None = None,
    memo: str | None = None,
    sighting: Sighting | None = None,
) -> Diagnosis:
    """``sighting``: what an earlier diagnosis saw of this transaction while it was pending, so
    that a hash the network no longer knows can be told apart as replaced or dropped."""
    digits = normalize_tx_hash(tx_hash)
    shown = (tx_hash or "").strip()[:100]
    requested = next((c for c in chains if c.key == chain_key), None) if chain_key else None
    base = Diagnosis(
        tx_hash=shown,
        status=Status.INVALID_HASH,
        requested_chain_key=chain_key or "",
        requested_chain_name=requested.name if requested else (chain_key or ""),
    )
    if digits is None:
        return base.replace(advice=(Advice.CHECK_HASH,))

    checked: list[str] = []
    unavailable: list[str] = []
    for chain in _probe_order(chains, requested, shown.lower().startswith("0x")):
        try:
            with open_client(chain) as client:
                tx = _lookup(client, chain, digits)
                checked.append(chain.key)
                if tx is None:
                    continue
                return _diagnose_found(
                    client,
                    chain,
                    tx,
                    digits=digits,
                    requested=requested,
                    base=base,
                    errors=errors,
                    checked=checked,
                    unavailable=unavailable,
                    expected_asset=expected_asset,
                    expected_amount=_to_decimal(expected_amount),
                    deposit_address=deposit_address,
                    memo=memo,
                )
        except ChainApiError as exc:
            logger.warning("diagnosis on %s failed: %s", chain.key, exc)
            unavailable.append(chain.key)
            if chain.key in checked:
                checked.remove(chain.key)

    vanished = _vanished(chains, sighting, base=base, digits=digits, checked=checked)
    if vanished is not None:
        return vanished
    tx_text = chain_hash(requested, digits) if requested else shown
    names = {c.key: c.name for c in chains}
    requested_down = requested is not None and (
        requested.key in unavailable or not requested.queryable
    )
    status = Status.NOT_FOUND
    if requested_down or not checked:
        status = Status.UNAVAILABLE
    advice = (
        (Advice.TRY_LATER, Advice.AGENT_REVIEW)
        if status is Status.UNAVAILABLE
        else (Advice.CHECK_HASH, Advice.CHECK_NETWORK, Advice.REBROADCAST)
    )
    return base.replace(
        tx_hash=tx_text,
        status=status,
        chain_key=requested.key if requested else "",
        chain_name=requested.name if requested else "",
        family=requested.family if requested else "",
        native_symbol=requested.native_symbol if requested else "",
        checked_chains=tuple(checked),
        checked_chain_names=tuple(names[k] for k in checked),
        unavailable_chains=tuple(unavailable),
        advice=advice,
        needs_agent=status is Status.UNAVAILABLE,
    )


def _vanished(
    chains: Sequence[ChainInfo],
    sighting: Sighting | None,
    *,
    base: Diagnosis,
    digits: str,
    checked: list[str],
) -> Diagnosis | None:
    """A transaction seen pending before and unknown now: replaced, or dropped unmined."""
    if sighting is None:
        return None
    chain = next((c for c in chains if c.key == sighting.chain_key), None)
    if chain is None or chain.family != "evm" or not chain.queryable:
        return None
    try:
        with EvmRpcClient(chain.urls, allow_private=chain.allow_private_rpc) as client:
            fate = find_fate(client, chain, sighting)
    except ChainApiError as exc:
        logger.warning("replacement check on %s failed: %s", chain.key, exc)
        return None
    replacement = fate.replacement
    if not fate.replaced:
        advice: tuple[Advice, ...] = (Advice.SEND_AGAIN,)
    elif replacement is not None and replacement.kind == "speed_up":
        advice = (Advice.FOLLOW_REPLACEMENT,)
    else:
        # Cancelled, another payment, or a replacement the node cannot name: the text says
        # what happened and where to look; there is nothing to retry.
        advice = ()
    return base.replace(
        tx_hash=chain_hash(chain, digits),
        status=Status.DROPPED,
        chain_key=chain.key,
        chain_name=chain.name,
        family=chain.family,
        native_symbol=chain.native_symbol,
        checked_chains=tuple(checked),
        from_address=sighting.from_address,
        to_address=sighting.to_address,
        value=Decimal(sighting.value_wei).scaleb(-chain.native_decimals),
        nonce=fate.nonce,
        seen_before=True,
        replaced_by=replacement,
        sighting=sighting,
        advice=advice,
    )


def _diagnose_found(
    client: Client,
    chain: ChainInfo,
    tx: dict[str, Any],
    *,
    digits: str,
    requested: ChainInfo | None,
    base: Diagnosis,
    errors: ErrorRegistry,
    checked: list[str],
    unavailable: list[str],
    expected_asset: str | None,
    expected_amount: Decimal | None,
    deposit_address: str | None,
    memo: str | None,
) -> Diagnosis:
    findings: evm.EvmFindings | bitcoin.BitcoinFindings | tron.TronFindings
    if isinstance(client, EvmRpcClient):
        findings = evm.diagnose(client, chain, tx, errors=errors)
    elif isinstance(client, EsploraClient):
        findings = bitcoin.diagnose(client, chain, tx)
    else:
        findings = tron.diagnose(client, chain, tx, errors=errors)

    wrong_network = requested is not None and requested.key != chain.key
    extra = (
        [d.address for d in requested.deposits]
        if wrong_network and requested is not None and requested.family == chain.family
        else []
    )
    deposit = None
    if findings.status not in (Status.FAILED, Status.DROPPED):
        deposit = check_deposit(
            chain=chain,
            transfers=findings.transfers,
            expected_asset=expected_asset,
            expected_amount=expected_amount,
            deposit_address=deposit_address,
            memo=memo,
            extra_addresses=extra,
            on_requested_network=not wrong_network,
        )

    advice = list(findings.advice)
    if deposit is None and Advice.CREDITED in advice:
        # Not a deposit to any address of ours (a payment elsewhere, a withdrawal to the
        # customer): "it will show in your balance" would be a promise we cannot keep.
        advice.remove(Advice.CREDITED)
    if wrong_network and not (deposit is not None and deposit.ok):
        # Nothing will be credited by waiting for confirmations on the other network.
        advice = [a for a in advice if a not in (Advice.CREDITED, Advice.WAIT_FOR_CONFIRMATIONS)]
    if wrong_network and deposit is None:
        advice.insert(0, Advice.WRONG_NETWORK_RECOVERY)
    if deposit is not None:
        if deposit.problems and Advice.CREDITED in advice:
            advice.remove(Advice.CREDITED)
        advice = [*deposit.problems, *advice]
    # Funds that reached a platform address but cannot be credited as they are (wrong network,
    # token, memo, amount) need a person; funds that went elsewhere are explained, not escalated.
    needs_agent = bool(deposit and deposit.problems and deposit.to_deposit_address)
    if needs_agent:
        advice.append(Advice.AGENT_REVIEW)

    value = getattr(findings, "value", None)
    return base.replace(
        tx_hash=chain_hash(chain, digits),
        status=Status.WRONG_NETWORK if wrong_network else findings.status,
        chain_key=chain.key,
        chain_name=chain.name,
        family=chain.family,
        native_symbol=chain.native_symbol,
        checked_chains=tuple(checked),
        unavailable_chains=tuple(unavailable),
        found_elsewhere=(
            (FoundElsewhere(chain.key, chain.name, findings.status),) if wrong_network else ()
        ),
        from_address=findings.from_address,
        to_address=findings.to_address,
        value=value,
        explorer_url=chain.tx_url(chain_hash(chain, digits)),
        confirmation=findings.confirmation,
        fee=findings.fee,
        nonce=getattr(findings, "nonce", None),
        revert=getattr(findings, "revert", None),
        transfers=findings.transfers,
        deposit=deposit,
        rbf_signalled=getattr(findings, "rbf_signalled", None),
        expired=getattr(findings, "expired", False),
        sighting=getattr(findings, "sighting", None),
        advice=tuple(dict.fromkeys(advice)),
        needs_agent=needs_agent,
    )
