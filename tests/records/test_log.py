"""The database-backed log equals the pure RFC 9162 functions; tree heads, keys, erasure."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command

from blockdesk.accounts.models import Account
from blockdesk.common.errors import Conflict, ValidationFailed
from blockdesk.records import encoding, merkle, selectors, services
from blockdesk.records.models import RecordEntry, RecordLog, RecordNode, SigningKey
from blockdesk.records.verify import verify_log

pytestmark = pytest.mark.django_db


def _leaves(log: RecordLog) -> list[bytes]:
    return [bytes(h) for h in log.entries.order_by("index").values_list("leaf_hash", flat=True)]


def test_stored_nodes_and_proofs_equal_the_pure_functions(filled_log: RecordLog) -> None:
    leaves = _leaves(filled_log)
    assert len(leaves) == filled_log.size == 40
    expected = merkle.build_nodes(leaves)
    stored = {
        (level, index): bytes(h)
        for level, index, h in RecordNode.objects.filter(log=filled_log).values_list(
            "level", "index", "hash"
        )
    }
    assert stored == expected
    assert bytes(filled_log.root_hash) == merkle.mth(leaves)
    for size in (1, 7, 25, 40):
        assert selectors.root_at(log=filled_log, size=size) == merkle.mth(leaves[:size])
        for index in range(size):
            proof = selectors.inclusion_proof(log=filled_log, index=index, tree_size=size)
            assert proof == merkle.inclusion_proof(index, leaves[:size])
    for first in range(1, 41):
        for second in (first, 25, 40):
            if second >= first:
                proof = selectors.consistency_proof(log=filled_log, first=first, second=second)
                assert proof == merkle.consistency_proof(first, leaves[:second])
    with pytest.raises(ValidationFailed):
        selectors.inclusion_proof(log=filled_log, index=0, tree_size=41)


def test_records_are_canonical_salted_commitments(filled_log: RecordLog) -> None:
    entry = RecordEntry.objects.get(log=filled_log, index=3)
    assert entry.content is not None and entry.salt is not None
    assert '"note":"é中"' in entry.content  # UTF-8, not \u escapes
    assert entry.content == encoding.canonical_json(encoding_roundtrip(entry.content))
    assert len(bytes(entry.salt)) == 32
    assert bytes(entry.commitment) == encoding.commitment(bytes(entry.salt), entry.content.encode())
    assert bytes(entry.leaf_hash) == merkle.leaf_hash(bytes(entry.commitment))
    salts = {bytes(s) for s in RecordEntry.objects.values_list("salt", flat=True)}
    assert len(salts) == 40


def encoding_roundtrip(text: str) -> dict[str, object]:
    import json

    return json.loads(text)


def test_floats_and_bad_kinds_are_refused(account: Account) -> None:
    with pytest.raises(ValidationFailed):
        services.do_append_record(account=account, case_ref="c1", kind="reply", fields={"x": 1.5})
    with pytest.raises(ValidationFailed):
        services.do_append_record(account=account, case_ref="c1", kind="Bad Kind", fields={})
    assert not RecordEntry.objects.exists()


def test_tree_heads_are_signed_and_keys_rotate(filled_log: RecordLog, account: Account) -> None:
    old_key = SigningKey.objects.get(log=filled_log)
    new_key = services.do_rotate_signing_key(account=account)
    sth = services.do_sign_tree_head(account=account)
    assert sth.key == new_key and sth.tree_size == 40
    old_key.refresh_from_db()
    assert old_key.valid_until is not None
    message = encoding.sth_bytes(
        log_id=filled_log.public_id,
        tree_size=sth.tree_size,
        timestamp_ms=sth.timestamp_ms,
        root_hash=bytes(sth.root_hash),
        key_id=new_key.key_id,
    )
    Ed25519PublicKey.from_public_bytes(bytes(new_key.public_key)).verify(
        bytes(sth.signature), message
    )
    # The private key is encrypted at rest: the raw column is Fernet text, not the key.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT private_key FROM records_signingkey WHERE id = %s", [new_key.pk])
        raw = cur.fetchone()[0]
    assert raw.startswith("gAAAAA") and new_key.private_key not in raw
    # Old heads still verify with the retired key.
    report = verify_log(filled_log)
    assert report.tree_heads == 4 and report.entries == 40


def test_erase_keeps_the_log_verifiable(filled_log: RecordLog, account: Account) -> None:
    receipt = services.build_receipt(account=account, case_ref="conv-1")
    assert len(receipt["records"]) == 10
    assert services.do_erase_case(account=account, case_ref="conv-1") == 10
    erased = RecordEntry.objects.filter(case__case_ref="conv-1")
    assert all(e.salt is None and e.content is None for e in erased)
    call_command("records", "verify")
    assert verify_log(filled_log).erased == 10
    with pytest.raises(Conflict):
        services.build_receipt(account=account, case_ref="conv-1")
    with pytest.raises(Conflict):
        services.do_append_record(account=account, case_ref="conv-1", kind="rating", fields={})
    # Appending to other cases goes on and stays verifiable.
    services.do_append_record(account=account, case_ref="conv-2", kind="rating", fields={"s": 5})
    services.do_sign_tree_head(account=account)
    call_command("records", "verify", "--account", str(account.pk))


def test_logs_are_per_account(filled_log: RecordLog, other_account: Account) -> None:
    services.do_append_record(account=other_account, case_ref="conv-0", kind="opened", fields={})
    other = RecordLog.objects.get(account=other_account)
    assert other.size == 1 and other.public_id != filled_log.public_id
    assert RecordLog.objects.get(pk=filled_log.pk).size == 40
