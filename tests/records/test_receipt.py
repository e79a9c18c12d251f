"""Receipts: built from the database, checked by the standalone tools/verify_receipt.py (run
as a subprocess, as a customer would) and by `manage.py records verify-receipt`; each kind
of tampering fails with a clear message."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from blockdesk.accounts.models import Account
from blockdesk.records import services
from blockdesk.records.models import RecordLog

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "verify_receipt.py"

pytestmark = pytest.mark.django_db


def run_tool(
    receipt: dict[str, Any], tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(TOOL), str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_tool_is_the_packaged_verifier() -> None:
    packaged = ROOT / "src" / "blockdesk" / "records" / "verifier.py"
    assert TOOL.read_text() == packaged.read_text()
    imports = [
        line for line in TOOL.read_text().splitlines() if line.startswith(("import ", "from "))
    ]
    assert imports and not any("django" in line or "blockdesk" in line for line in imports)


def test_a_real_receipt_verifies_offline(
    filled_log: RecordLog, account: Account, tmp_path: Path
) -> None:
    services.do_append_record(account=account, case_ref="conv-1", kind="rating", fields={"s": 5})
    receipt = services.build_receipt(account=account, case_ref="conv-1")
    assert receipt["tree_head"]["tree_size"] == 41  # a fresh head covers the new entry
    assert len(receipt["records"]) == 11
    done = run_tool(receipt, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "receipt valid" in done.stdout
    key = receipt["public_keys"][0]["public_key"]
    assert run_tool(receipt, tmp_path, "--public-key", key).returncode == 0
    wrong = run_tool(receipt, tmp_path, "--public-key", "11" * 32)
    assert wrong.returncode == 1 and "did not pin" in wrong.stderr
    path = tmp_path / "receipt.json"
    call_command("records", "verify-receipt", str(path))


def _flip_hex(value: str, at: int = 0) -> str:
    raw = bytearray(bytes.fromhex(value))
    raw[at] ^= 1
    return raw.hex()


def salt_byte(r: dict[str, Any]) -> None:
    r["records"][2]["salt"] = _flip_hex(r["records"][2]["salt"], 5)


def record_field(r: dict[str, Any]) -> None:
    r["records"][2]["record"] = r["records"][2]["record"].replace('"n":', '"n":1')


def proof_hash(r: dict[str, Any]) -> None:
    proof = r["records"][2]["inclusion_proof"]
    proof[-1] = _flip_hex(proof[-1])


def root(r: dict[str, Any]) -> None:
    r["tree_head"]["root_hash"] = _flip_hex(r["tree_head"]["root_hash"])


def signature(r: dict[str, Any]) -> None:
    r["tree_head"]["signature"] = _flip_hex(r["tree_head"]["signature"], 40)


def other_key(r: dict[str, Any]) -> None:
    r["public_keys"][0]["public_key"] = "22" * 32


TAMPERS: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (salt_byte, "record 3 (log entry 9): the salt and record do not match the commitment"),
    (record_field, "record 3 (log entry 9): the salt and record do not match the commitment"),
    (proof_hash, "record 3 (log entry 9): the inclusion proof does not lead to the signed root"),
    (root, "the tree head's signature does not verify"),
    (signature, "the tree head's signature does not verify"),
    (other_key, "the public key does not match its key id"),
]


@pytest.mark.parametrize(("tamper", "message"), TAMPERS, ids=[t.__name__ for t, _ in TAMPERS])
def test_each_tamper_fails_with_a_clear_message(
    filled_log: RecordLog,
    account: Account,
    tmp_path: Path,
    tamper: Callable[[dict[str, Any]], None],
    message: str,
) -> None:
    receipt = copy.deepcopy(services.build_receipt(account=account, case_ref="conv-1"))
    assert receipt["records"][2]["index"] == 9
    tamper(receipt)
    done = run_tool(receipt, tmp_path)
    assert done.returncode == 1
    assert f"receipt NOT valid: {message}" in done.stderr
    with pytest.raises(CommandError, match="receipt NOT valid"):
        call_command("records", "verify-receipt", str(tmp_path / "receipt.json"))
