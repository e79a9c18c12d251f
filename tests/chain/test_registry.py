"""The chain registry: defaults, admin-only writes, encrypted and masked endpoint URLs."""

from __future__ import annotations

import pytest
from django.db import connection

from blockdesk.chain import selectors, services
from blockdesk.chain.addresses import ChainFamily, parse_address
from blockdesk.chain.models import Chain, DepositAddress, Token
from blockdesk.chain.registry import DEFAULT_CHAINS
from blockdesk.chain.rpc import mask_url
from blockdesk.common.errors import Forbidden, ValidationFailed

pytestmark = pytest.mark.django_db

FAMILIES = {"evm": ChainFamily.EVM, "bitcoin": ChainFamily.BITCOIN, "tron": ChainFamily.TRON}


def test_seed_default_chains_is_idempotent_and_calls_nothing(account):
    assert services.seed_default_chains(account=account) == len(DEFAULT_CHAINS)
    assert services.seed_default_chains(account=account) == 0
    keys = set(Chain.objects.filter(account=account).values_list("key", flat=True))
    assert {"ethereum", "bsc", "polygon", "arbitrum", "optimism", "base", "bitcoin", "tron"} <= keys
    snapshots = selectors.chain_snapshots(account_id=account.pk)
    # Disabled and without endpoints until an admin configures them.
    assert not any(c.enabled or c.urls or c.queryable for c in snapshots)
    assert {c.key for c in snapshots if c.memo_required} == {"ton", "xrp"}
    eth = next(c for c in snapshots if c.key == "ethereum")
    assert (eth.evm_chain_id, eth.native_symbol, eth.required_confirmations) == (1, "ETH", 12)
    assert eth.tx_url("0xabc") == "https://etherscan.io/tx/0xabc"


def test_default_token_addresses_are_valid_for_their_chain(account):
    services.seed_default_chains(account=account)
    tokens = Token.objects.select_related("chain").filter(chain__account=account)
    assert tokens.count() >= 12
    for token in tokens:
        info = parse_address(token.contract_address)  # raises on a bad EIP-55 checksum
        assert info.family is FAMILIES[token.chain.family]
        assert info.normalized == token.contract_address


def test_only_admins_configure_chains(account, admin_user, agent):
    services.seed_default_chains(account=account)
    chain = Chain.objects.get(account=account, key="ethereum")
    with pytest.raises(Forbidden):
        services.do_configure_chain(actor=agent, chain=chain, enabled=True)
    services.do_configure_chain(
        actor=admin_user,
        chain=chain,
        enabled=True,
        rpc_urls="https://mainnet.example-rpc.io/v3/KEY-abc123\n\nhttps://backup.example.org",
    )
    chain.refresh_from_db()
    assert chain.url_list == [
        "https://mainnet.example-rpc.io/v3/KEY-abc123",
        "https://backup.example.org",
    ]
    view = selectors.chain_admin_view(chain)
    assert view["rpc_urls"] == ["https://mainnet.example-rpc.io/****", "https://backup.example.org"]
    assert "KEY-abc123" not in str(view)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rpc_urls FROM chain_chain WHERE id = %s", [chain.pk])
        (raw,) = cursor.fetchone()
    assert "KEY-abc123" not in raw and "example-rpc" not in raw


def test_configuration_is_validated(account, admin_user):
    services.seed_default_chains(account=account)
    chain = Chain.objects.get(account=account, key="ethereum")
    with pytest.raises(ValidationFailed):
        services.do_configure_chain(actor=admin_user, chain=chain, rpc_urls="ftp://node")
    with pytest.raises(ValidationFailed):
        services.do_configure_chain(actor=admin_user, chain=chain, required_confirmations=0)
    with pytest.raises(ValidationFailed):
        services.do_configure_chain(actor=admin_user, chain=chain, secret_field=1)


def test_any_other_evm_chain_by_chain_id(account, admin_user):
    chain = services.do_create_chain(
        actor=admin_user,
        key="linea",
        name="Linea",
        family="evm",
        native_symbol="ETH",
        evm_chain_id=59144,
        required_confirmations=10,
    )
    assert chain.evm_chain_id == 59144 and not chain.enabled
    with pytest.raises(ValidationFailed):  # an EVM chain without a chain id
        services.do_create_chain(
            actor=admin_user, key="mystery", name="Mystery", family="evm", native_symbol="X"
        )
    with pytest.raises(ValidationFailed):  # the same chain id twice
        services.do_create_chain(
            actor=admin_user,
            key="linea2",
            name="Linea again",
            family="evm",
            native_symbol="ETH",
            evm_chain_id=59144,
        )


def test_tokens_and_deposit_addresses_are_checked_against_the_family(account, admin_user):
    services.seed_default_chains(account=account)
    tron = Chain.objects.get(account=account, key="tron")
    eth = Chain.objects.get(account=account, key="ethereum")
    with pytest.raises(ValidationFailed):  # an EVM address on TRON
        services.do_add_deposit_address(actor=admin_user, chain=tron, address="0x" + "12" * 20)
    deposit = services.do_add_deposit_address(
        actor=admin_user, chain=eth, address="0x" + "ab" * 20, asset="usdt"
    )
    assert deposit.address == parse_address("0x" + "ab" * 20).normalized  # EIP-55 stored
    assert deposit.asset == "USDT"
    with pytest.raises(ValidationFailed):  # the same address for the same asset twice
        services.do_add_deposit_address(
            actor=admin_user, chain=eth, address="0x" + "AB" * 20, asset="USDT"
        )
    assert DepositAddress.objects.count() == 1
    token = services.do_add_token(
        actor=admin_user,
        chain=eth,
        symbol="dai",
        decimals=18,
        contract_address="0x6b175474e89094c44da98b954eedeac495271d0f",
    )
    assert token.contract_address == "0x6B175474E89094C44Da98b954EedeAC495271d0F"
    with pytest.raises(ValidationFailed):
        services.do_add_token(
            actor=admin_user,
            chain=eth,
            symbol="BAD",
            decimals=6,
            contract_address="TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        )


def test_contract_abi_requires_error_entries(admin_user, agent):
    abi = [{"type": "error", "name": "Paused", "inputs": []}]
    with pytest.raises(Forbidden):
        services.do_add_contract_abi(actor=agent, name="X", abi=abi)
    with pytest.raises(ValidationFailed):
        services.do_add_contract_abi(actor=admin_user, name="X", abi=[{"type": "function"}])
    services.do_add_contract_abi(actor=admin_user, name="X", abi=abi)
    registry = selectors.error_registry(account_id=admin_user.account_pk)
    from eth_utils import keccak

    assert registry.lookup(keccak(text="Paused()")[:4].hex())[0].name == "Paused"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("https://eth-mainnet.g.alchemy.com/v2/abcdef", "https://eth-mainnet.g.alchemy.com/****"),
        ("https://user:pass@node.example:8545", "https://node.example:8545/****"),
        ("https://rpc.example.org/", "https://rpc.example.org"),
        ("https://rpc.example.org/?apikey=1", "https://rpc.example.org/****"),
        ("not a url", "****"),
    ],
)
def test_mask_url(url, masked):
    assert mask_url(url) == masked


def test_resolve_chain_key_understands_names(account):
    services.seed_default_chains(account=account)
    resolve = services.resolve_chain_key
    assert resolve(account_id=account.pk, text="BSC") == "bsc"
    assert resolve(account_id=account.pk, text="波场") == "tron"
    assert resolve(account_id=account.pk, text="ERC20") == "ethereum"
    assert resolve(account_id=account.pk, text="ethereum") == "ethereum"
    assert resolve(account_id=account.pk, text="") is None


def test_httpx_request_logs_never_show_an_endpoint_key(caplog):
    import logging

    import httpx

    from blockdesk.chain.rpc.jsonrpc import EvmRpcClient

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": "0x1"})

    # Even when someone turns httpx's request log on (the webhooks app turns it down).
    caplog.set_level(logging.DEBUG, logger="httpx")
    url = "https://rpc.example.test/v3/very-secret-key"
    with EvmRpcClient([url], transport=httpx.MockTransport(answer)) as client:
        assert client.chain_id() == 1
    assert "HTTP Request" in caplog.text  # httpx did log the request...
    assert "very-secret-key" not in caplog.text  # ...with the key masked
    assert "https://rpc.example.test/****" in caplog.text
