"""Reads of the chain registry and watches (no HTTP knowledge; the API and UI call these)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from blockdesk.accounts.models import User
from blockdesk.chain.diagnosis.facts import Sighting
from blockdesk.chain.models import Chain, ContractAbi, TransactionSighting, TransactionWatch
from blockdesk.chain.registry import (
    ChainInfo,
    DepositInfo,
    ErrorRegistry,
    ErrorSignature,
    TokenInfo,
    errors_from_abi,
)
from blockdesk.chain.rpc import mask_url
from blockdesk.common.errors import NotFound


def _snapshot(chain: Chain) -> ChainInfo:
    return ChainInfo(
        key=chain.key,
        name=chain.name,
        family=chain.family,
        native_symbol=chain.native_symbol,
        native_decimals=chain.native_decimals,
        evm_chain_id=chain.evm_chain_id,
        enabled=chain.enabled,
        required_confirmations=chain.required_confirmations,
        block_time_seconds=chain.block_time_seconds,
        native_deposit_supported=chain.native_deposit_supported,
        deposit_supported=chain.deposit_supported,
        memo_required=chain.memo_required,
        explorer_tx_url=chain.explorer_tx_url,
        explorer_address_url=chain.explorer_address_url,
        tokens=tuple(
            TokenInfo(t.symbol, t.decimals, t.contract_address, t.deposit_supported)
            for t in chain.tokens.all()
        ),
        deposits=tuple(
            DepositInfo(d.address, d.asset, d.memo)
            for d in chain.deposit_addresses.all()
            if d.active
        ),
        urls=tuple(chain.url_list),
        api_key=chain.api_key or "",
        allow_private_rpc=chain.allow_private_rpc,
    )


def chain_snapshots(*, account_id: int) -> list[ChainInfo]:
    """Every chain of the account, enabled or not, as read-only snapshots for the diagnosis."""
    chains = Chain.objects.filter(account_id=account_id).prefetch_related(
        "tokens", "deposit_addresses"
    )
    return [_snapshot(c) for c in chains]


def error_registry(*, account_id: int) -> ErrorRegistry:
    signatures: list[ErrorSignature] = []
    for abi in ContractAbi.objects.filter(account_id=account_id).select_related("chain"):
        signatures += errors_from_abi(
            abi.abi if isinstance(abi.abi, list) else [], contract=abi.address
        )
    return ErrorRegistry(signatures)


def account_chains(*, actor: User) -> QuerySet[Chain]:
    return Chain.objects.filter(account_id=actor.account_pk).prefetch_related(
        "tokens", "deposit_addresses"
    )


def get_chain(*, actor: User, key: str) -> Chain:
    chain = account_chains(actor=actor).filter(key=key).first()
    if chain is None:
        raise NotFound()
    return chain


def chain_admin_view(chain: Chain) -> dict[str, Any]:
    """A chain for admin screens and the API: endpoint URLs masked, API key never shown."""
    return {
        "key": chain.key,
        "name": chain.name,
        "family": chain.family,
        "evm_chain_id": chain.evm_chain_id,
        "enabled": chain.enabled,
        "rpc_urls": [mask_url(u) for u in chain.url_list],
        "has_api_key": bool(chain.api_key),
        "allow_private_rpc": chain.allow_private_rpc,
        "required_confirmations": chain.required_confirmations,
        "block_time_seconds": chain.block_time_seconds,
        "native_symbol": chain.native_symbol,
        "native_decimals": chain.native_decimals,
        "native_deposit_supported": chain.native_deposit_supported,
        "deposit_supported": chain.deposit_supported,
        "memo_required": chain.memo_required,
        "explorer_tx_url": chain.explorer_tx_url,
        "explorer_address_url": chain.explorer_address_url,
        "tokens": [
            {
                "symbol": t.symbol,
                "decimals": t.decimals,
                "contract_address": t.contract_address,
                "deposit_supported": t.deposit_supported,
            }
            for t in chain.tokens.all()
        ],
        "deposit_addresses": [
            {
                "asset": d.asset,
                "address": d.address,
                "memo": d.memo,
                "label": d.label,
                "active": d.active,
            }
            for d in chain.deposit_addresses.all()
        ],
    }


def watches(*, account_id: int, state: str | None = None) -> QuerySet[TransactionWatch]:
    qs = TransactionWatch.objects.filter(account_id=account_id)
    return qs.filter(state=state) if state else qs


def sighting_for(*, account_id: int, tx_digits: str) -> Sighting | None:
    """What an earlier diagnosis saw of this transaction while it was pending, if anything."""
    row = TransactionSighting.objects.filter(account_id=account_id, tx_digits=tx_digits).first()
    if row is None:
        return None
    return Sighting(
        chain_key=row.chain_key,
        from_address=row.from_address,
        nonce=row.nonce,
        to_address=row.to_address,
        value_wei=int(row.value_wei),
        input_digest=row.input_digest,
        block_number=row.block_number,
    )
