"""`records verify` detects every kind of tampering with the stored log, naming the first
bad entry, and exits non-zero."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command

from blockdesk.records import encoding, merkle
from blockdesk.records.models import RecordEntry, RecordLog, RecordNode, SignedTreeHead

pytestmark = pytest.mark.django_db


def _entry(log: RecordLog, index: int) -> RecordEntry:
    return RecordEntry.objects.get(log=log, index=index)


def change_content_byte(log: RecordLog) -> None:
    e = _entry(log, 5)
    assert e.content
    e.content = e.content.replace('"n":5', '"n":6')
    e.save()


def change_salt(log: RecordLog) -> None:
    e = _entry(log, 5)
    salt = bytearray(bytes(e.salt or b""))
    salt[0] ^= 1
    e.salt = bytes(salt)
    e.save()


def change_leaf_hash(log: RecordLog) -> None:
    e = _entry(log, 5)
    e.leaf_hash = secrets.token_bytes(32)
    e.save()


def change_node(log: RecordLog) -> None:
    RecordNode.objects.filter(log=log, level=2, index=1).update(hash=secrets.token_bytes(32))


def delete_entry(log: RecordLog) -> None:
    _entry(log, 5).delete()


def insert_entry_at_end(log: RecordLog) -> None:
    e = _entry(log, 5)
    e.pk = None
    e.index = 40
    e.save()


def insert_entry_in_the_middle(log: RecordLog) -> None:
    # Renumber from the top down so the unique (log, index) holds at every step.
    for entry in RecordEntry.objects.filter(log=log, index__gte=5).order_by("-index"):
        entry.index += 1
        entry.save()
    e = _entry(log, 6)
    e.pk = None
    e.index = 5
    e.salt = secrets.token_bytes(32)
    assert e.content
    e.commitment = encoding.commitment(bytes(e.salt), e.content.encode())
    e.leaf_hash = merkle.leaf_hash(bytes(e.commitment))
    e.save()
    RecordLog.objects.filter(pk=log.pk).update(size=41)


def swap_entries(log: RecordLog) -> None:
    a, b = _entry(log, 5), _entry(log, 6)
    a.index = -1
    a.save()
    b.index = 5
    b.save()
    a.index = 6
    a.save()


def rewrite_tree_head_root(log: RecordLog) -> None:
    sth = SignedTreeHead.objects.filter(log=log, tree_size=25).get()
    sth.root_hash = secrets.token_bytes(32)
    sth.save()


def forge_signature(log: RecordLog) -> None:
    sth = SignedTreeHead.objects.filter(log=log, tree_size=25).get()
    sig = bytearray(bytes(sth.signature))
    sig[10] ^= 0x80
    sth.signature = bytes(sig)
    sth.save()


def rewrite_history_consistently(log: RecordLog) -> None:
    """An insider with database access rewrites a record and recomputes every hash, node and
    the head; only the signatures (the key is not theirs) give it away."""
    e = _entry(log, 5)
    assert e.content
    e.content = e.content.replace('"n":5', '"n":6')
    e.commitment = encoding.commitment(bytes(e.salt or b""), e.content.encode())
    e.leaf_hash = merkle.leaf_hash(bytes(e.commitment))
    e.save()
    leaves = [bytes(h) for h in log.entries.order_by("index").values_list("leaf_hash", flat=True)]
    for (level, index), value in merkle.build_nodes(leaves).items():
        RecordNode.objects.filter(log=log, level=level, index=index).update(hash=value)
    RecordLog.objects.filter(pk=log.pk).update(root_hash=merkle.mth(leaves))


TAMPERS: list[tuple[Callable[[RecordLog], None], str]] = [
    (change_content_byte, "entry 5: the salt and record do not match the commitment"),
    (change_salt, "entry 5: the salt and record do not match the commitment"),
    (change_leaf_hash, "entry 5: the leaf hash does not match the commitment"),
    (change_node, "node (level 2, index 1) over entries 4..7"),
    (delete_entry, "entry 5: missing"),
    (insert_entry_at_end, "entry 40: beyond the log head's size 40"),
    (insert_entry_in_the_middle, "entry 5: the stored tree hash differs"),
    (swap_entries, "entry 5: the stored tree hash differs"),
    (rewrite_tree_head_root, "(size 25): the signature does not verify"),
    (forge_signature, "(size 25): the signature does not verify"),
    (rewrite_history_consistently, "(size 10): its root does not match the entries"),
]


@pytest.mark.parametrize(("tamper", "message"), TAMPERS, ids=[t.__name__ for t, _ in TAMPERS])
def test_verify_names_the_first_bad_entry(
    filled_log: RecordLog, tamper: Callable[[RecordLog], None], message: str
) -> None:
    call_command("records", "verify")  # clean before
    tamper(RecordLog.objects.get(pk=filled_log.pk))
    with pytest.raises(CommandError) as exc:
        call_command("records", "verify")
    assert message in str(exc.value)
    assert filled_log.public_id in str(exc.value)


def test_verify_exits_non_zero_from_the_shell(filled_log: RecordLog) -> None:
    change_salt(filled_log)
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["manage.py", "records", "verify"])
    assert exc.value.code == 1
