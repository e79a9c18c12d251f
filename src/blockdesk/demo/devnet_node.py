"""The demo devnet's transactions: signed with eth-account, sent to a local ganache node.

Every transaction is fixed — keys derived from fixed labels, fixed nonces, fees, gas and data —
so its hash is the same on every node: re-seeding a node whose state was lost (``var/devnet``
deleted) recreates the very hashes the demo conversations quote. Only ever talks to loopback.
"""

from __future__ import annotations

import ipaddress
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from blockdesk.chain.rpc import RpcError
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient, to_int
from blockdesk.common.eth import Account, LocalAccount  # not eth_account: see common/eth.py

ARTIFACTS = Path(__file__).resolve().parents[3] / "contracts" / "build"
GWEI = 10**9
ETHER = 10**18
TOKEN_DECIMALS = 6
DUSD = 10**TOKEN_DECIMALS
# Fixed fees: far above an idle devnet's base fee, and part of every hash.
MAX_FEE = 20 * GWEI
PRIORITY_FEE = GWEI
# Also published in seed_demo's official channels, so /verify/ recognises it.
DEPOSIT_ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


class DevnetError(Exception):
    """The node is not a loopback devnet, or it did not do what was asked."""


def _key(label: str) -> LocalAccount:
    # Keys from public labels: they hold devnet ether only, so no key material is kept anywhere.
    account: LocalAccount = Account.from_key(keccak(text=f"blockdesk-demo-devnet-{label}"))
    return account


ISSUER = _key("issuer")  # deploys the contracts and hands out DUSD
CUSTOMER = _key("customer")  # the customer of the demo conversations
WRONG_ADDRESS = _key("old-address").address  # where the customer mistakenly sent DUSD


def contract_address(sender: str, nonce: int) -> str:
    """CREATE address: keccak(rlp([sender, nonce]))[12:] (nonce < 128 here)."""
    sender_bytes = bytes.fromhex(sender[2:])
    nonce_rlp = bytes([nonce]) if 0 < nonce < 0x80 else b"\x80"
    payload = bytes([0xC0 + 1 + len(sender_bytes) + len(nonce_rlp), 0x94]) + sender_bytes
    return to_checksum_address(keccak(payload + nonce_rlp)[12:])


TOKEN_ADDRESS = contract_address(ISSUER.address, 0)
FAULTY_ADDRESS = contract_address(ISSUER.address, 1)


def artifact(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ARTIFACTS / f"{name}.json").read_text())
    return data


def _call(signature: str, *args: Any) -> bytes:
    types = [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]
    return keccak(text=signature)[:4] + encode(types, list(args))


def _deploy_code(name: str, types: list[str], *args: Any) -> bytes:
    return bytes.fromhex(artifact(name)["bytecode"][2:]) + encode(types, list(args))


@dataclass(frozen=True)
class Step:
    name: str
    sender: LocalAccount
    nonce: int
    to: str | None
    data: bytes = b""
    value: int = 0
    gas: int = 100_000


# In nonce order per sender; seed_chain sends the issuer's before the customer's.
STEPS = (
    Step(
        "deploy_token",
        ISSUER,
        0,
        None,
        _deploy_code(
            "TestToken",
            ["string", "string", "uint8", "uint256"],
            "Demo USD",
            "DUSD",
            TOKEN_DECIMALS,
            10**9 * DUSD,
        ),
        gas=3_000_000,
    ),
    Step("deploy_faulty", ISSUER, 1, None, _deploy_code("Faulty", []), gas=3_000_000),
    Step(
        "fund_customer",
        ISSUER,
        2,
        TOKEN_ADDRESS,
        _call("transfer(address,uint256)", CUSTOMER.address, 10_000 * DUSD),
    ),
    Step("eth_deposit", CUSTOMER, 0, DEPOSIT_ADDRESS, value=ETHER // 2, gas=21_000),
    Step(
        "dusd_deposit",
        CUSTOMER,
        1,
        TOKEN_ADDRESS,
        _call("transfer(address,uint256)", DEPOSIT_ADDRESS, 250 * DUSD),
    ),
    Step(
        "dusd_wrong_address",
        CUSTOMER,
        2,
        TOKEN_ADDRESS,
        _call("transfer(address,uint256)", WRONG_ADDRESS, 120 * DUSD),
    ),
    Step("reverted_withdrawal", CUSTOMER, 3, FAULTY_ADDRESS, _call("withdraw(uint256)", 5 * DUSD)),
    Step("eth_wrong_address", CUSTOMER, 4, WRONG_ADDRESS, value=ETHER // 5, gas=21_000),
)


def signed_raw(step: Step, *, chain_id: int) -> tuple[str, str]:
    """(hash, raw transaction) of a step; deterministic for a given chain id."""
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": chain_id,
        "nonce": step.nonce,
        "gas": step.gas,
        "maxFeePerGas": MAX_FEE,
        "maxPriorityFeePerGas": PRIORITY_FEE,
        "value": step.value,
        "data": step.data,
    }
    if step.to is not None:
        tx["to"] = to_checksum_address(step.to)
    signed = step.sender.sign_transaction(tx)
    return "0x" + signed.hash.hex().removeprefix("0x"), "0x" + signed.raw_transaction.hex()


def check_loopback(url: str) -> None:
    """The devnet is a local toy: refuse any node that is not on this machine."""
    host = urlsplit(url).hostname or ""
    if urlsplit(url).scheme not in ("http", "https") or not host:
        raise DevnetError(f"not an http(s) URL: {url}")
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise DevnetError(f"the demo devnet must run on loopback (127.0.0.1), not {host}")


@dataclass(frozen=True)
class SeededChain:
    chain_id: int
    hashes: dict[str, str]  # step name -> transaction hash
    sent: int  # how many transactions this run broadcast (0 when already seeded)


def wait_for_node(rpc_url: str, *, timeout: float) -> None:
    """Return once the node answers; DevnetError after ``timeout`` seconds."""
    check_loopback(rpc_url)
    deadline = time.monotonic() + timeout
    payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    with httpx.Client(timeout=2.0) as http:
        while True:
            try:
                if "result" in http.post(rpc_url, json=payload).json():
                    return
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise DevnetError(f"no node answered on {rpc_url} within {timeout:.0f}s")
            time.sleep(0.3)


def _wait_receipt(client: EvmRpcClient, tx_hash: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        receipt = client.get_receipt(tx_hash)
        if receipt is not None:
            return receipt
        if time.monotonic() > deadline:
            raise DevnetError(f"transaction {tx_hash} was not mined within {timeout:.0f}s")
        time.sleep(0.2)


def _broadcast(client: EvmRpcClient, raw: str, tx_hash: str) -> None:
    try:
        client.request("eth_sendRawTransaction", [raw])
    except RpcError as exc:
        # ganache may answer a mined-but-reverted transaction with an error carrying its hash.
        data = exc.data if isinstance(exc.data, dict) else {}
        if str(data.get("hash", "")).lower() != tx_hash.lower():
            raise DevnetError(f"the node refused {tx_hash}: {exc}") from exc


def seed_chain(*, rpc_url: str, required_confirmations: int, timeout: float = 30.0) -> SeededChain:
    """Make sure every demo transaction is on the node and the successful ones are settled.

    Idempotent: transactions the node already knows are not sent again, balances and blocks
    are only added when missing.
    """
    check_loopback(rpc_url)
    # check_loopback above: the only address this may call is the local demo node.
    with EvmRpcClient([rpc_url], timeout=10.0, allow_private=True) as client:
        chain_id = client.chain_id()
        for account in (ISSUER, CUSTOMER):
            # ganache's dev method (not a transaction): gas money for the fixed senders.
            if to_int(client.request("eth_getBalance", [account.address, "latest"])) < ETHER:
                client.request("evm_setAccountBalance", [account.address, hex(100 * ETHER)])
        hashes: dict[str, str] = {}
        sent = 0
        last_block = 0
        # The issuer's transactions first, all at once, then the customer's: one block each
        # on an interval-mining node, and the customer's DUSD and Faulty exist by then.
        for sender in (ISSUER, CUSTOMER):
            batch = [step for step in STEPS if step.sender is sender]
            for step in batch:
                tx_hash, raw = signed_raw(step, chain_id=chain_id)
                hashes[step.name] = tx_hash
                if client.get_transaction(tx_hash) is None:
                    _broadcast(client, raw, tx_hash)
                    sent += 1
            for step in batch:
                receipt = _wait_receipt(client, hashes[step.name], timeout)
                last_block = max(last_block, to_int(receipt["blockNumber"]))
        # Confirmations = head - block + 1: mine what is missing rather than wait for it.
        missing = last_block + required_confirmations - 1 - client.block_number()
        for _ in range(max(0, missing)):
            client.request("evm_mine")
    return SeededChain(chain_id=chain_id, hashes=hashes, sent=sent)
