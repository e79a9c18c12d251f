#!/usr/bin/env python3
"""Check a Blockdesk service-record receipt offline.

    python verify_receipt.py receipt.json [--public-key HEX ...]

One file, Python's standard library plus the `cryptography` package (for Ed25519); no
Django. It recomputes each record's commitment from its salt, the RFC 9162 leaf hash, the
inclusion proof up to the signed tree head's root, and checks the tree head's signature
against the key the receipt names (and, with --public-key, that this key is one you pinned
beforehand, e.g. from the company's published keys). Exit 0 when valid, 1 with the reason.

This file is kept identical in src/blockdesk/records/verifier.py (used by
`manage.py records verify-receipt`) and tools/verify_receipt.py (a test checks they match).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import sys
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "blockdesk.records.receipt"
VERSIONS = {1}
COMMITMENT_TAG = b"blockdesk-records/commitment/v1\x00"
STH_TAG = b"blockdesk-records/sth/v1\x00"


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
    lines.append(
        "anchor: none in this receipt" if anchor is None else "anchor: present, not checked offline"
    )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a Blockdesk service-record receipt.")
    parser.add_argument("file")
    parser.add_argument("--public-key", action="append", default=[], help="pinned key, hex")
    args = parser.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8") as fh:  # noqa: PTH123 - stdlib only, no pathlib needed
            receipt = json.load(fh)
        pinned = [_hex(k, "--public-key") for k in args.public_key] or None
        lines = verify_receipt(receipt, pinned_keys=pinned)
    except (OSError, ValueError, ReceiptInvalid) as exc:
        print(f"receipt NOT valid: {exc}", file=sys.stderr)
        return 1
    for line in lines:
        print(line)
    print("receipt valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
