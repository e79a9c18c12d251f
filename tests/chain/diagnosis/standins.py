"""Loopback stand-ins for the Bitcoin (Esplora) and TRON (full-node HTTP) APIs.

Their real nodes cannot run in the test environment, so a tiny http.server on 127.0.0.1 answers
with JSON shaped like the real APIs' responses (field names and types as recorded from
blockstream.info / mempool.space Esplora and TronGrid). The diagnosis talks to it over real HTTP
through the same clients it uses in production.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from blockdesk.chain.diagnosis.evm import TRANSFER_TOPIC
from blockdesk.common.base58 import b58check_decode


class StandIn:
    """GET routes by path; POST routes by path and the JSON body's "value" (TRON style)."""

    def __init__(self) -> None:
        self.get: dict[str, tuple[int, Any]] = {}
        self.post: dict[tuple[str, str], tuple[int, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self, status: int, body: Any) -> None:
                raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                content_type = "text/plain" if isinstance(body, str) else "application/json"
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                standin.requests.append(("GET", self.path, dict(self.headers)))
                self._reply(*standin.get.get(self.path, (404, "Transaction not found")))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                standin.requests.append(("POST", self.path, dict(self.headers)))
                key = (self.path, str(body.get("value", "")))
                # A full node answers {} (HTTP 200) for an id it does not know.
                self._reply(*standin.post.get(key, (200, {})))

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    @contextmanager
    def running(self) -> Iterator[StandIn]:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


# --- recorded shapes -------------------------------------------------------------------------


def esplora_tx(
    txid: str,
    *,
    outputs: list[tuple[str, int]],
    sender: str,
    fee: int,
    weight: int,
    confirmed_height: int | None = None,
    sequence: int = 0xFFFFFFFF,
) -> dict[str, Any]:
    """GET /tx/:txid as Esplora returns it (trimmed of scripts the diagnosis ignores)."""
    status: dict[str, Any] = {"confirmed": confirmed_height is not None}
    if confirmed_height is not None:
        status.update(
            block_height=confirmed_height,
            block_hash="00000000000000000001" + "ab" * 22,
            block_time=1_713_571_767,
        )
    return {
        "txid": txid,
        "version": 2,
        "locktime": 0,
        "vin": [
            {
                "txid": "cd" * 32,
                "vout": 1,
                "prevout": {
                    "scriptpubkey": "0014" + "11" * 20,
                    "scriptpubkey_type": "v0_p2wpkh",
                    "scriptpubkey_address": sender,
                    "value": sum(v for _, v in outputs) + fee,
                },
                "scriptsig": "",
                "witness": ["30" * 71, "02" * 33],
                "is_coinbase": False,
                "sequence": sequence,
            }
        ],
        "vout": [
            {
                "scriptpubkey": "0014" + "22" * 20,
                "scriptpubkey_type": "v0_p2wpkh",
                "scriptpubkey_address": address,
                "value": value,
            }
            for address, value in outputs
        ],
        "size": weight // 3,
        "weight": weight,
        "fee": fee,
        "status": status,
    }


def tron_hex(address: str) -> str:
    """T-address -> 41-prefixed hex, as the TRON HTTP API spells addresses."""
    return b58check_decode(address).hex()


def tron_trc20_tx(txid: str, *, token: str, sender: str, to: str, amount: int) -> dict[str, Any]:
    data = "a9059cbb" + "0" * 24 + tron_hex(to)[2:] + f"{amount:064x}"
    return {
        "ret": [{"contractRet": "SUCCESS"}],
        "signature": ["ab" * 65],
        "txID": txid,
        "raw_data": {
            "contract": [
                {
                    "parameter": {
                        "value": {
                            "data": data,
                            "owner_address": tron_hex(sender),
                            "contract_address": tron_hex(token),
                        },
                        "type_url": "type.googleapis.com/protocol.TriggerSmartContract",
                    },
                    "type": "TriggerSmartContract",
                }
            ],
            "ref_block_bytes": "6c2e",
            "ref_block_hash": "0f4b6d8b2a3c6e1f",
            "expiration": 1_713_571_827_000,
            "fee_limit": 100_000_000,
            "timestamp": 1_713_571_768_000,
        },
        "raw_data_hex": "0a02" + "00" * 40,
    }


def tron_trx_tx(txid: str, *, sender: str, to: str, sun: int, expiration_ms: int) -> dict[str, Any]:
    return {
        "ret": [{"contractRet": "SUCCESS"}],
        "signature": ["cd" * 65],
        "txID": txid,
        "raw_data": {
            "contract": [
                {
                    "parameter": {
                        "value": {
                            "amount": sun,
                            "owner_address": tron_hex(sender),
                            "to_address": tron_hex(to),
                        },
                        "type_url": "type.googleapis.com/protocol.TransferContract",
                    },
                    "type": "TransferContract",
                }
            ],
            "ref_block_bytes": "6c2f",
            "ref_block_hash": "1f4b6d8b2a3c6e1f",
            "expiration": expiration_ms,
            "timestamp": expiration_ms - 60_000,
        },
        "raw_data_hex": "0a02" + "00" * 40,
    }


def tron_info(
    txid: str,
    *,
    block: int,
    fee: int,
    result: str = "SUCCESS",
    transfer: tuple[str, str, str, int] | None = None,
    contract_result: str = "",
    res_message: str = "",
) -> dict[str, Any]:
    """POST /wallet/gettransactioninfobyid; ``transfer`` = (token, from, to, amount)."""
    info: dict[str, Any] = {
        "id": txid,
        "fee": fee,
        "blockNumber": block,
        "blockTimeStamp": 1_713_571_770_000,
        "contractResult": [contract_result],
        "receipt": {
            "energy_usage_total": 64_285,
            "energy_fee": fee - 345_000,
            "net_fee": 345_000,
            "result": result,
        },
    }
    if transfer is not None:
        token, source, target, amount = transfer
        info["contract_address"] = tron_hex(token)
        info["log"] = [
            {
                "address": tron_hex(token)[2:],  # logs drop the 41 prefix
                "topics": [
                    TRANSFER_TOPIC[2:],
                    "0" * 24 + tron_hex(source)[2:],
                    "0" * 24 + tron_hex(target)[2:],
                ],
                "data": f"{amount:064x}",
            }
        ]
    if res_message:
        info["result"] = "FAILED"
        info["resMessage"] = res_message.encode().hex()
    return info


def tron_now_block(number: int) -> dict[str, Any]:
    return {
        "blockID": f"{number:016x}" + "ef" * 24,
        "block_header": {
            "raw_data": {
                "number": number,
                "txTrieRoot": "00" * 32,
                "witness_address": "41" + "99" * 20,
                "parentHash": "00" * 32,
                "version": 30,
                "timestamp": 1_713_571_800_000,
            },
            "witness_signature": "ab" * 65,
        },
    }
