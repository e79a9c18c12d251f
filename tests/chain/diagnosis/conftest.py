"""Fixtures for the diagnosis tests: two real ganache nodes (chain ids 31337 and 31338) for the
whole session, the test contracts deployed once, and a registry pointing at them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from blockdesk.chain.models import Chain, DepositAddress, Token
from tests.conftest import require_or_skip
from tests.support.evm_node import EvmNode, evm_nodes, ganache_unavailable_reason

CHAIN_A, CHAIN_B = 31337, 31338
REQUIRED_CONFIRMATIONS = 3
TOKEN_DECIMALS = 6


@dataclass
class Deployed:
    token_a: str  # TestToken "TUSD" on node A (registered, accepted for deposits)
    rogue_a: str  # another TestToken "RUG" on node A (not in the registry)
    faulty_a: str  # Faulty on node A
    token_b: str  # TestToken "TUSD" on node B
    platform_deposit: str  # the platform's deposit address (same on both chains)


@pytest.fixture(scope="session")
def nodes() -> Iterator[tuple[EvmNode, EvmNode]]:
    reason = ganache_unavailable_reason()
    require_or_skip(reason is None, reason or "")
    with evm_nodes(CHAIN_A, CHAIN_B) as (node_a, node_b):
        yield node_a, node_b


@pytest.fixture(scope="session")
def deployed(nodes: tuple[EvmNode, EvmNode]) -> Deployed:
    node_a, node_b = nodes
    owner_a, owner_b = node_a.accounts[0], node_b.accounts[0]
    supply = 10**6 * 10**TOKEN_DECIMALS
    token_args = (["string", "string", "uint8", "uint256"],)
    return Deployed(
        token_a=node_a.deploy(
            owner_a, "TestToken", *token_args, "Test USD", "TUSD", TOKEN_DECIMALS, supply
        ),
        rogue_a=node_a.deploy(owner_a, "TestToken", *token_args, "Rug", "RUG", 18, 10**24),
        faulty_a=node_a.deploy(owner_a, "Faulty"),
        token_b=node_b.deploy(
            owner_b, "TestToken", *token_args, "Test USD", "TUSD", TOKEN_DECIMALS, supply
        ),
        platform_deposit=node_a.accounts[3].address,
    )


@dataclass
class Registry:
    a: Chain
    b: Chain


@pytest.fixture
def registry(account, nodes, deployed) -> Registry:  # type: ignore[no-untyped-def]
    node_a, node_b = nodes
    chain_a = Chain.objects.create(
        account=account,
        key="localnet",
        name="Localnet",
        family="evm",
        evm_chain_id=CHAIN_A,
        enabled=True,
        rpc_urls=node_a.url,
        allow_private_rpc=True,  # a local stand-in on loopback
        required_confirmations=REQUIRED_CONFIRMATIONS,
        block_time_seconds=2.0,
        native_symbol="ETH",
        explorer_tx_url="https://explorer.invalid/tx/{hash}",
    )
    chain_b = Chain.objects.create(
        account=account,
        key="sidenet",
        name="Sidenet",
        family="evm",
        evm_chain_id=CHAIN_B,
        enabled=True,
        rpc_urls=node_b.url,
        allow_private_rpc=True,  # a local stand-in on loopback
        required_confirmations=REQUIRED_CONFIRMATIONS,
        block_time_seconds=2.0,
        native_symbol="SIDE",
        deposit_supported=False,
    )
    Token.objects.create(
        chain=chain_a, symbol="TUSD", decimals=TOKEN_DECIMALS, contract_address=deployed.token_a
    )
    Token.objects.create(
        chain=chain_b, symbol="TUSD", decimals=TOKEN_DECIMALS, contract_address=deployed.token_b
    )
    DepositAddress.objects.create(chain=chain_a, address=deployed.platform_deposit)
    return Registry(a=chain_a, b=chain_b)
