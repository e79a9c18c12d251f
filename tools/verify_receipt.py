#!/usr/bin/env python3
"""Check a Blockdesk service-record receipt offline.

    python verify_receipt.py receipt.json [--public-key HEX ...] [--rpc-url URL]

One file, Python's standard library plus the `cryptography` package (for Ed25519); no
Django. It recomputes each record's commitment from its salt, the RFC 9162 leaf hash, the
inclusion proof up to the signed tree head's root, and checks the tree head's signature
against the key the receipt names (and, with --public-key, that this key is one you pinned
beforehand, e.g. from the company's published keys). With --rpc-url (a node of the chain
named in the receipt's anchor) it also fetches the anchor transaction with a plain JSON-RPC
call and checks that it is mined and that its calldata holds this log's root and size.
Exit 0 when valid, 1 with the reason.

This file is kept identical in src/blockdesk/records/verifier.py (used by
`manage.py records verify-receipt`) and tools/verify_receipt.py (a test checks they match).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import sys
import urllib.request
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "blockdesk.records.receipt"
VERSIONS = {1}
COMMITMENT_TAG = b"blockdesk-records/commitment/v1\x00"
STH_TAG = b"blockdesk-records/sth/v1\x00"
ANCHOR_PREFIX = b"BDSK1"


class ReceiptInvalid(Exception):
    pass


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """RFC 9162 section 2.1.4.2."""
    if first <= 0 or first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = _node(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def _hex(value: Any, what: str, length: int | None = 32) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise ReceiptInvalid(f"{what} is not hex") from None
    if length is not None and len(raw) != length:
        raise ReceiptInvalid(f"{what} must be {length} bytes")
    return raw


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sth_bytes(log_id: str, tree_size: int, timestamp_ms: int, root: bytes, key_id: str) -> bytes:
    log = log_id.encode("ascii")
    return (
        STH_TAG
        + bytes([len(log)])
        + log
        + struct.pack(">QQ", tree_size, timestamp_ms)
        + root
        + bytes.fromhex(key_id)
    )


def verify_receipt(
    receipt: dict[str, Any], *, pinned_keys: Sequence[bytes] | None = None
) -> list[str]:
    """Return what was checked, one line each; raise ReceiptInvalid naming the first failure."""
    if not isinstance(receipt, dict) or receipt.get("format") != FORMAT:
        raise ReceiptInvalid("not a Blockdesk records receipt")
    if receipt.get("version") not in VERSIONS:
        raise ReceiptInvalid(f"unsupported receipt version {receipt.get('version')!r}")
    log_id, receipt_id = str(receipt.get("log_id")), str(receipt.get("receipt_id"))
    head = receipt.get("tree_head") or {}
    try:
        size, ts, key_id = int(head["tree_size"]), int(head["timestamp_ms"]), str(head["key_id"])
    except (KeyError, TypeError, ValueError):
        raise ReceiptInvalid("the tree head is incomplete") from None
    root = _hex(head.get("root_hash"), "tree head root")
    signature = _hex(head.get("signature"), "tree head signature", 64)
    keys = {k.get("key_id"): k for k in receipt.get("public_keys") or [] if isinstance(k, dict)}
    key = keys.get(key_id)
    if key is None:
        raise ReceiptInvalid("the tree head's key is not among the receipt's public keys")
    public = _hex(key.get("public_key"), "public key")
    if hashlib.sha256(public).hexdigest() != key_id:
        raise ReceiptInvalid("the public key does not match its key id")
    if pinned_keys is not None and public not in set(pinned_keys):
        raise ReceiptInvalid("the tree head was signed by a key you did not pin")
    start, end = key.get("valid_from_ms"), key.get("valid_until_ms")
    if (isinstance(start, int) and ts < start) or (isinstance(end, int) and ts > end):
        raise ReceiptInvalid("the tree head was signed outside its key's validity")
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            signature, sth_bytes(log_id, size, ts, root, key_id)
        )
    except (InvalidSignature, ValueError):
        raise ReceiptInvalid(
            "the tree head's signature does not verify (its size, time or root was changed, "
            "or it was not signed by this log)"
        ) from None
    lines = [f"tree head: size {size}, root {root.hex()}, signed by key {key_id[:16]}: OK"]
    records = receipt.get("records")
    if not isinstance(records, list) or not records:
        raise ReceiptInvalid("the receipt holds no records")
    for n, item in enumerate(records, 1):
        where = f"record {n}"
        try:
            index, text = int(item["index"]), item["record"]
            where = f"record {n} (log entry {index})"
            proof = [_hex(p, f"{where}: proof hash") for p in item["inclusion_proof"]]
        except (KeyError, TypeError, ValueError):
            raise ReceiptInvalid(f"{where}: incomplete") from None
        if not isinstance(text, str):
            raise ReceiptInvalid(f"{where}: the record is missing (erased?)")
        salt = _hex(item.get("salt"), f"{where}: salt")
        try:
            record = json.loads(text)
        except ValueError:
            raise ReceiptInvalid(f"{where}: the record is not JSON") from None
        if not isinstance(record, dict) or _canonical(record) != text:
            raise ReceiptInvalid(f"{where}: the record is not in canonical form")
        if record.get("log") != log_id or record.get("case") != receipt_id:
            raise ReceiptInvalid(f"{where}: the record belongs to another log or case")
        commitment = hashlib.sha256(COMMITMENT_TAG + salt + text.encode()).digest()
        if "commitment" in item and _hex(item["commitment"], f"{where}: commitment") != commitment:
            raise ReceiptInvalid(
                f"{where}: the salt and record do not match the commitment "
                "(the record or its salt was changed)"
            )
        leaf = hashlib.sha256(b"\x00" + commitment).digest()
        if "leaf_hash" in item and _hex(item["leaf_hash"], f"{where}: leaf hash") != leaf:
            raise ReceiptInvalid(f"{where}: the leaf hash does not match the record")
        if not verify_inclusion(index, size, leaf, proof, root):
            raise ReceiptInvalid(
                f"{where}: the inclusion proof does not lead to the signed root "
                "(the record, its salt or the proof was changed)"
            )
        lines.append(f"{where}: {record.get('kind')} at {record.get('at')}: included: OK")
    anchor = receipt.get("anchor")
    if anchor is None:
        lines.append("anchor: none in this receipt")
    else:
        lines.append(check_anchor_offline(anchor, size, root))
    return lines


def check_anchor_offline(anchor: Any, size: int, root: bytes) -> str:
    """The anchored head must be the receipt's head, or extend it (consistency proof)."""
    if not isinstance(anchor, dict):
        raise ReceiptInvalid("the anchor is not an object")
    try:
        anchored_size, tx = int(anchor["tree_size"]), str(anchor["tx"])
        proof = [_hex(p, "anchor: consistency proof hash") for p in anchor["consistency_proof"]]
    except (KeyError, TypeError, ValueError):
        raise ReceiptInvalid("the anchor is incomplete") from None
    anchored_root = _hex(anchor.get("root_hash"), "anchor root")
    if not verify_consistency(size, anchored_size, proof, root, anchored_root):
        raise ReceiptInvalid(
            "the anchored head does not extend the receipt's tree head (consistency proof fails)"
        )
    return f"anchor: size {anchored_size} in transaction {tx} (extends the tree head): OK"


def anchor_calldata(log_id: str, tree_size: int, root: bytes) -> bytes:
    log = log_id.encode("ascii")
    return ANCHOR_PREFIX + bytes([len(log)]) + log + struct.pack(">Q", tree_size) + root


def _rpc(url: str, method: str, params: list[Any]) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(  # noqa: S310 - the user gives the URL of their own choice
        url, data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            answer = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise ReceiptInvalid(f"the node at the RPC URL did not answer {method}: {exc}") from None
    if not isinstance(answer, dict) or answer.get("error") is not None:
        error = answer.get("error") if isinstance(answer, dict) else answer
        raise ReceiptInvalid(f"the node refused {method}: {error}")
    return answer.get("result")


def check_anchor_on_chain(receipt: dict[str, Any], rpc_url: str) -> list[str]:
    """Fetch the anchor transaction and check that it is mined, succeeded, and that its
    calldata holds this log's id, the anchored size and root."""
    anchor = receipt.get("anchor")
    if not isinstance(anchor, dict):
        raise ReceiptInvalid("the receipt has no anchor to check on chain (not anchored yet)")
    tx_hash = str(anchor.get("tx"))
    try:
        anchored_size = int(anchor["tree_size"])
    except (KeyError, TypeError, ValueError):
        raise ReceiptInvalid("the anchor is incomplete") from None
    anchored_root = _hex(anchor.get("root_hash"), "anchor root")
    lines = []
    if anchor.get("chain_id") is not None:
        node_chain = int(str(_rpc(rpc_url, "eth_chainId", [])), 16)
        if node_chain != int(anchor["chain_id"]):
            raise ReceiptInvalid(
                f"the node is on chain id {node_chain}, the anchor on {anchor['chain_id']}"
            )
        lines.append(f"chain id {node_chain}: OK")
    tx = _rpc(rpc_url, "eth_getTransactionByHash", [tx_hash])
    if not isinstance(tx, dict):
        raise ReceiptInvalid(f"the anchor transaction {tx_hash} is not on this chain")
    if tx.get("blockNumber") is None:
        raise ReceiptInvalid(f"the anchor transaction {tx_hash} is not mined yet")
    block = int(str(tx["blockNumber"]), 16)
    status = _rpc(rpc_url, "eth_getTransactionReceipt", [tx_hash])
    if isinstance(status, dict) and int(str(status.get("status", "0x1")), 16) != 1:
        raise ReceiptInvalid(f"the anchor transaction {tx_hash} failed on chain")
    data = str(tx.get("input") or tx.get("data") or "")
    try:
        calldata = bytes.fromhex(data.removeprefix("0x"))
    except ValueError:
        raise ReceiptInvalid("the anchor transaction's calldata is not hex") from None
    expected = anchor_calldata(str(receipt.get("log_id")), anchored_size, anchored_root)
    if calldata != expected:
        raise ReceiptInvalid(
            f"the anchor transaction {tx_hash} does not hold this log's root and size "
            "(the receipt's anchor or root was changed)"
        )
    lines.append(f"anchor: transaction {tx_hash} in block {block} holds the root: OK")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a Blockdesk service-record receipt.")
    parser.add_argument("file")
    parser.add_argument("--public-key", action="append", default=[], help="pinned key, hex")
    parser.add_argument("--rpc-url", help="a node of the anchor's chain: check it on chain")
    args = parser.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8") as fh:  # noqa: PTH123 - stdlib only, no pathlib needed
            receipt = json.load(fh)
        pinned = [_hex(k, "--public-key") for k in args.public_key] or None
        lines = verify_receipt(receipt, pinned_keys=pinned)
        if args.rpc_url:
            lines += check_anchor_on_chain(receipt, args.rpc_url)
    except (OSError, ValueError, ReceiptInvalid) as exc:
        print(f"receipt NOT valid: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    print("receipt valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
