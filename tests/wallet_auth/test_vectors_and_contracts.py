"""The server-side verification step against the shared EIP-4361 vectors, and EIP-1271
contract wallets checked through the chain registry against a real local node (ganache)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from eth_account import Account

from blockdesk.chain.models import Chain
from blockdesk.chain.rfc_syntax import parse_rfc3339
from blockdesk.chain.siwe import SiweMessage
from blockdesk.conversations.models import ContactIdentity
from blockdesk.wallet_auth import services
from tests.chain._vectors import cases, require
from tests.conftest import require_or_skip
from tests.support.evm_node import ARTIFACTS, EvmNode, evm_nodes, ganache_unavailable_reason

from .conftest import WalletVisitor, sign

VERIFY_OK = "siwe/verification_positive.json"
VERIFY_BAD = "siwe/verification_negative.json"
CHAIN_ID = 31339
NOW = datetime(2024, 1, 1, tzinfo=UTC)


def _named(d: dict[str, Any]) -> list[Any]:
    return [pytest.param((name, value), id=name) for name, value in d.items()]


def _vector_message(fields: dict[str, Any]) -> str:
    known = {k: v for k, v in fields.items() if k not in ("signature", "time", "domainBinding")}
    return SiweMessage.from_json_fields(known).to_message()


@pytest.mark.django_db
@pytest.mark.parametrize("case", cases(VERIFY_OK, _named))
def test_verification_vectors_pass_our_verification_step(case: Any, account: Any) -> None:
    require(case, VERIFY_OK)
    _name, fields = case
    now = parse_rfc3339(fields["time"]) if "time" in fields else NOW
    parsed = services.verify_signed_message(
        message=_vector_message(fields),
        signature=fields["signature"],
        domain=fields["domain"],
        nonce=fields["nonce"],
        now=now,
        account_id=account.pk,
    )
    assert parsed.address == fields["address"]


@pytest.mark.django_db
@pytest.mark.parametrize("case", cases(VERIFY_BAD, _named))
def test_negative_vectors_fail_in_the_one_error_shape(case: Any, account: Any) -> None:
    require(case, VERIFY_BAD)
    name, fields = case
    now = parse_rfc3339(fields["time"]) if "time" in fields else NOW
    with pytest.raises(services.WalletSignInError) as caught:
        try:
            message = _vector_message(fields)
        except Exception as exc:  # invalid timestamps fail while building: same outcome
            raise services.WalletSignInError(str(exc), code="invalid_message") from exc
        services.verify_signed_message(
            message=message,
            signature=fields["signature"],
            domain=fields.get("domainBinding", fields["domain"]),
            nonce=fields.get("nonce") if name != "custom nonce" else "otherNonce123",
            now=now,
            account_id=account.pk,
        )
    body = caught.value.as_dict()["error"]
    assert body["code"] and body["message"]


# --- EIP-1271 on a real node ------------------------------------------------------------------


@pytest.fixture(scope="module")
def node() -> Iterator[EvmNode]:
    reason = ganache_unavailable_reason()
    require_or_skip(reason is None, reason or "")
    require_or_skip(
        (ARTIFACTS / "TestWallet1271.json").exists(),
        "contracts/build/TestWallet1271.json is missing; run scripts/compile-contracts.sh",
    )
    with evm_nodes(CHAIN_ID) as (started,):
        yield started


@pytest.fixture
def contract_wallet(node: EvmNode) -> tuple[str, Any]:
    """A deployed one-owner contract wallet and its owner's key."""
    owner = Account.create()
    address = node.deploy(node.accounts[0], "TestWallet1271", ["address"], owner.address)
    return address, owner


@pytest.fixture
def chain(account: Any, node: EvmNode) -> Chain:
    return Chain.objects.create(
        account=account,
        key="localnet",
        name="Localnet",
        family="evm",
        evm_chain_id=CHAIN_ID,
        enabled=True,
        rpc_urls=node.url,
        allow_private_rpc=True,  # a local stand-in on loopback
        native_symbol="ETH",
    )


@pytest.mark.django_db
def test_contract_wallet_signs_in_through_eip1271(visitor: WalletVisitor, chain, contract_wallet):
    address, owner = contract_wallet
    message = visitor.challenge(address, chain_id=hex(CHAIN_ID))["message"]
    # The contract accepts its owner's signature; recovery alone would give the owner's address.
    response = visitor.verify(message, sign(owner, message))
    assert response.status_code == 200, response.content
    assert response.json()["wallet"]["address"] == address
    assert ContactIdentity.objects.get(kind=ContactIdentity.Kind.WALLET).value == address


@pytest.mark.django_db
def test_contract_wallet_refuses_a_stranger(visitor: WalletVisitor, chain, contract_wallet):
    address, _owner = contract_wallet
    message = visitor.challenge(address, chain_id=CHAIN_ID)["message"]
    response = visitor.verify(message, sign(Account.create(), message))
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_signature"
    assert not ContactIdentity.objects.filter(kind=ContactIdentity.Kind.WALLET).exists()


@pytest.mark.django_db
def test_contract_wallet_needs_its_chain_configured(visitor: WalletVisitor, chain, contract_wallet):
    address, owner = contract_wallet
    chain.enabled = False
    chain.save()
    message = visitor.challenge(address, chain_id=CHAIN_ID)["message"]
    response = visitor.verify(message, sign(owner, message))
    assert response.json()["error"]["code"] == "invalid_signature"


@pytest.mark.django_db
def test_an_account_without_code_is_not_a_contract_wallet(
    visitor: WalletVisitor, chain, node: EvmNode
):
    """An EOA address with a signature by someone else: the node says "no code", refused."""
    target = node.accounts[1].address
    message = visitor.challenge(target, chain_id=CHAIN_ID)["message"]
    response = visitor.verify(message, sign(Account.create(), message))
    assert response.json()["error"]["code"] == "invalid_signature"


@pytest.mark.django_db
def test_unreachable_node_is_a_clear_retryable_error(
    visitor: WalletVisitor, account, contract_wallet, node: EvmNode
):
    from tests.support.live_server import free_port

    down = Chain.objects.create(
        account=account,
        key="down",
        name="Down",
        family="evm",
        evm_chain_id=CHAIN_ID,
        enabled=True,
        rpc_urls=f"http://127.0.0.1:{free_port()}",
        allow_private_rpc=True,  # a local stand-in on loopback
        native_symbol="ETH",
    )
    address, owner = contract_wallet
    message = visitor.challenge(address, chain_id=CHAIN_ID)["message"]
    response = visitor.verify(message, sign(owner, message))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "chain_unavailable"
    # The nonce was not burnt: the customer can retry once the node is back.
    down.rpc_urls = node.url
    down.save()
    assert visitor.verify(message, sign(owner, message)).status_code == 200


@pytest.mark.django_db
def test_a_contract_wallet_signs_in_to_a_customer_account_too(chain, contract_wallet):
    """The public side's customer accounts (customers/wallet.py) use the same EIP-1271
    check (chain/contract_wallets.py): the owner's signature signs the contract in."""
    from django.test import Client

    from blockdesk.customers.models import CustomerAccount
    from blockdesk.customers.selectors import customer_wallets

    address, owner = contract_wallet
    client = Client()
    challenge = client.post(
        "/customer/wallet/challenge/",
        {"address": address, "chain_id": CHAIN_ID},
        content_type="application/json",
    )
    assert challenge.status_code == 200, challenge.content
    message = challenge.json()["message"]
    stranger = client.post(
        "/customer/wallet/verify/",
        {"message": message, "signature": sign(Account.create(), message)},
        content_type="application/json",
    )
    assert stranger.status_code == 400 and not CustomerAccount.objects.exists()
    signed = client.post(
        "/customer/wallet/verify/",
        {"message": message, "signature": sign(owner, message)},
        content_type="application/json",
    )
    assert signed.status_code == 200, signed.content
    assert customer_wallets(customer=CustomerAccount.objects.get()) == [address]
