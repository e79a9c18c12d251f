"""A real local EVM node (ganache from node_modules) for the chain diagnosis tests.

`start_evm_node(chain_id=...)` runs ganache on a free loopback port with deterministic funded
accounts (keys derived from a fixed label, so no key material lives in the repository) and
returns an `EvmNode` with helpers to sign and send real transactions (eth-account +
eth_sendRawTransaction), deploy the committed contract artifacts (contracts/build/*.json),
mine blocks and pause mining. Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from eth_abi import encode
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from tests.support.live_server import free_port

REPO = Path(__file__).resolve().parents[2]
GANACHE = REPO / "node_modules" / ".bin" / "ganache"
ARTIFACTS = REPO / "contracts" / "build"
ACCOUNT_COUNT = 4
GWEI = 10**9


def ganache_unavailable_reason() -> str | None:
    """None when the node can run here, else why not (for require_or_skip)."""
    if shutil.which("node") is None:
        return "node (Node.js) is not installed; run the chain node tests with Node 18+"
    if not GANACHE.exists():
        return "node_modules/.bin/ganache is missing; run `npm ci` (or `make node`)"
    return None


def _funded_key(index: int) -> bytes:
    return keccak(text=f"blockdesk-evm-test-account-{index}")


def artifact(name: str) -> dict[str, Any]:
    return json.loads((ARTIFACTS / f"{name}.json").read_text())


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def calldata(signature: str, *args: Any) -> bytes:
    types = signature[signature.index("(") + 1 : -1]
    arg_types = [t for t in types.split(",") if t]
    return selector(signature) + encode(arg_types, list(args))


class RpcFailure(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.error = error


@dataclass
class EvmNode:
    url: str
    chain_id: int
    process: subprocess.Popen[bytes]
    accounts: list[LocalAccount] = field(default_factory=list)
    log: Any = None
    _http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=20))

    # --- raw JSON-RPC -----------------------------------------------------------------------

    def rpc(self, method: str, *params: Any) -> Any:
        body = self._http.post(
            self.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        ).json()
        if body.get("error"):
            raise RpcFailure(body["error"])
        return body["result"]

    def stop(self) -> None:
        self._http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.log is not None:
            self.log.close()

    # --- state helpers ----------------------------------------------------------------------

    def block_number(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def base_fee(self) -> int:
        """The next block's base fee."""
        history = self.rpc("eth_feeHistory", "0x1", "latest", [])
        return int(history["baseFeePerGas"][-1], 16)

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self.rpc("evm_mine")

    @contextlib.contextmanager
    def mining_paused(self) -> Iterator[None]:
        """Transactions sent inside stay in the pool (ganache: miner_stop / miner_start)."""
        self.rpc("miner_stop")
        try:
            yield
        finally:
            self.rpc("miner_start")

    def fresh_account(self, ether: int = 10) -> LocalAccount:
        """A new funded account, so every test owns its nonces."""
        account: LocalAccount = Account.create()
        self.rpc("evm_setAccountBalance", account.address, hex(ether * 10**18))
        return account

    def nonce(self, address: str, tag: str = "pending") -> int:
        return int(self.rpc("eth_getTransactionCount", address, tag), 16)

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        result = self.rpc("eth_getTransactionReceipt", tx_hash)
        return result if isinstance(result, dict) else None

    # --- transactions -----------------------------------------------------------------------

    def send(
        self,
        account: LocalAccount,
        *,
        to: str | None = None,
        data: bytes = b"",
        value: int = 0,
        gas: int = 300_000,
        nonce: int | None = None,
        max_fee: int | None = None,
        priority_fee: int = GWEI // 10,
        gas_price: int | None = None,
    ) -> str:
        """Sign and broadcast; returns the hash even when the transaction reverts."""
        tx: dict[str, Any] = {
            "chainId": self.chain_id,
            "nonce": self.nonce(account.address) if nonce is None else nonce,
            "gas": gas,
            "value": value,
            "data": data,
        }
        if to is not None:
            tx["to"] = to_checksum_address(to)
        if gas_price is not None:
            tx["gasPrice"] = gas_price
        else:
            tx["maxFeePerGas"] = max_fee if max_fee is not None else 2 * self.base_fee() + GWEI
            tx["maxPriorityFeePerGas"] = min(priority_fee, tx["maxFeePerGas"])
        signed = account.sign_transaction(tx)
        try:
            return str(self.rpc("eth_sendRawTransaction", "0x" + signed.raw_transaction.hex()))
        except RpcFailure as exc:
            # ganache reports a mined-but-reverted transaction as an error carrying its hash.
            data_field = exc.error.get("data")
            if isinstance(data_field, dict) and data_field.get("hash"):
                return str(data_field["hash"])
            raise

    def call_contract(
        self, account: LocalAccount, contract: str, signature: str, *args: Any, **kw: Any
    ) -> str:
        return self.send(account, to=contract, data=calldata(signature, *args), **kw)

    def deploy(
        self, account: LocalAccount, name: str, types: Sequence[str] = (), *args: Any
    ) -> str:
        code = bytes.fromhex(artifact(name)["bytecode"][2:]) + encode(list(types), list(args))
        tx_hash = self.send(account, data=code, gas=3_000_000)
        receipt = self.receipt(tx_hash)
        assert receipt is not None and int(receipt["status"], 16) == 1, f"deploy {name} failed"
        return to_checksum_address(receipt["contractAddress"])


def start_evm_node(*, chain_id: int) -> EvmNode:
    port = free_port()
    keys = [_funded_key(i) for i in range(ACCOUNT_COUNT)]
    args = [
        str(GANACHE),
        "--server.host",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--chain.chainId",
        str(chain_id),
        "--chain.networkId",
        str(chain_id),
        "--logging.quiet",
        "--miner.blockGasLimit",
        hex(30_000_000),
    ]
    for key in keys:
        args += ["--wallet.accounts", f"0x{key.hex()},{hex(10_000 * 10**18)}"]
    env = {**os.environ, "NODE_OPTIONS": "--max-old-space-size=512"}
    # A file, not a pipe: nobody reads stderr while the node runs, and a full pipe would block it.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in EvmNode.stop)
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, env=env, cwd=REPO)
    return EvmNode(
        url=f"http://127.0.0.1:{port}",
        chain_id=chain_id,
        process=process,
        accounts=[Account.from_key(k) for k in keys],
        log=log,
    )


def wait_until_ready(node: EvmNode, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            node.log.seek(0)
            stderr = node.log.read().decode(errors="replace")
            raise RuntimeError(f"ganache exited early: {stderr[-2000:]}")
        try:
            if int(node.rpc("eth_chainId"), 16) == node.chain_id:
                return
        except (httpx.HTTPError, RpcFailure, ValueError):
            time.sleep(0.2)
    node.stop()
    raise RuntimeError(f"ganache did not answer within {timeout:.0f}s")


@contextlib.contextmanager
def evm_nodes(*chain_ids: int) -> Iterator[list[EvmNode]]:
    """Several nodes started in parallel (startup dominates), stopped on exit."""
    nodes = [start_evm_node(chain_id=c) for c in chain_ids]
    try:
        for node in nodes:
            wait_until_ready(node)
        yield nodes
    finally:
        for node in nodes:
            node.stop()
