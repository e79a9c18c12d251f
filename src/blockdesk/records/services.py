"""Writes of the record logs: append (one or a batch), sign tree heads, rotate keys, erase a
case, build a customer's receipt. Every append locks the log's head row, so concurrent
writers on PostgreSQL queue up instead of forking the tree."""

from __future__ import annotations

import base64
import re
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blockdesk.accounts.models import Account
from blockdesk.common.errors import Conflict, NotFound, ValidationFailed
from blockdesk.records import encoding, merkle, selectors
from blockdesk.records.anchoring import anchor_for, covering_anchor
from blockdesk.records.models import (
    RecordCase,
    RecordEntry,
    RecordLog,
    RecordNode,
    SignedTreeHead,
    SigningKey,
)

RECEIPT_FORMAT = "blockdesk.records.receipt"
RECEIPT_VERSION = 1
# Known kinds: opened, assigned, reply, status, resolved, rating. Others are allowed so the
# event wiring can add steps without a migration; the shape is what is checked.
KIND_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
CASE_REF_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True)
class RecordIn:
    case_ref: str
    kind: str
    fields: dict[str, Any]


def check_record(*, case_ref: str, kind: str, fields: dict[str, Any]) -> None:
    if not CASE_REF_RE.match(case_ref):
        raise ValidationFailed.field("case_ref", _("Not a valid case reference."))
    if not KIND_RE.match(kind):
        raise ValidationFailed.field("kind", _("Not a valid record kind."))
    if not isinstance(fields, dict):
        raise ValidationFailed.field("fields", _("Record fields must be an object."))
    try:
        encoding.canonical_json(fields)
    except ValueError as exc:
        raise ValidationFailed.field("fields", str(exc)) from exc


def _token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(16)}"


def _locked_log(account: Account) -> RecordLog:
    log = RecordLog.objects.select_for_update().filter(account=account).first()
    if log is not None:
        return log
    try:
        with transaction.atomic():  # a savepoint: losing the creation race is fine
            RecordLog.objects.create(
                account=account, public_id=_token("log"), root_hash=merkle.EMPTY_ROOT
            )
    except IntegrityError:
        pass
    return RecordLog.objects.select_for_update().get(account=account)


def _frontier(log: RecordLog) -> merkle.Frontier:
    keys = merkle.root_nodes(log.size)
    nodes = selectors.node_hashes(log_id=log.pk, keys=keys)
    return merkle.Frontier(log.size, [nodes[k] for k in keys])


def _cases(log: RecordLog, refs: set[str]) -> dict[str, RecordCase]:
    cases = {c.case_ref: c for c in RecordCase.objects.filter(log=log, case_ref__in=refs)}
    missing = [
        RecordCase(log=log, case_ref=r, receipt_id=_token("rcpt")) for r in refs - set(cases)
    ]
    for case in RecordCase.objects.bulk_create(missing):
        cases[case.case_ref] = case
    erased = [c.case_ref for c in cases.values() if c.erased_at is not None]
    if erased:
        raise Conflict(_("This case was erased; nothing more can be recorded for it."))
    return cases


ENTRY_COLUMNS = (
    "log_id",
    "index",
    "case_id",
    "kind",
    "salt",
    "content",
    "commitment",
    "leaf_hash",
    "created_at",
)
NODE_COLUMNS = ("log_id", "level", "index", "hash")


def _copy(table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL: the ORM's multi-row INSERT spent most of an append building and
    parsing SQL text full of bytea literals (docs/benchmarks/records.md)."""
    names = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper: same transaction
        with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _insert(entries: list[RecordEntry], nodes: list[tuple[int, int, int, bytes]]) -> None:
    if connection.vendor == "postgresql":
        _copy(
            RecordEntry._meta.db_table,
            ENTRY_COLUMNS,
            (tuple(getattr(e, c) for c in ENTRY_COLUMNS) for e in entries),
        )
        _copy(RecordNode._meta.db_table, NODE_COLUMNS, nodes)
        return
    RecordEntry.objects.bulk_create(entries, batch_size=500)
    RecordNode.objects.bulk_create(
        [RecordNode(log_id=n[0], level=n[1], index=n[2], hash=n[3]) for n in nodes],
        batch_size=500,
    )


def do_append_records(*, account: Account, records: Sequence[RecordIn]) -> list[RecordEntry]:
    """Append many records in one transaction: one lock, two bulk inserts. On PostgreSQL the
    rows are written with COPY and the returned entries have no primary key."""
    for r in records:
        check_record(case_ref=r.case_ref, kind=r.kind, fields=r.fields)
    if not records:
        return []
    with transaction.atomic():
        log = _locked_log(account)
        frontier = _frontier(log)
        cases = _cases(log, {r.case_ref for r in records})
        now = timezone.now()
        at = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        entries: list[RecordEntry] = []
        nodes: list[tuple[int, int, int, bytes]] = []
        for r in records:
            case = cases[r.case_ref]
            content = encoding.canonical_json(
                {
                    "v": encoding.RECORD_VERSION,
                    "log": log.public_id,
                    "case": case.receipt_id,
                    "kind": r.kind,
                    "at": at,
                    "fields": r.fields,
                }
            )
            salt = secrets.token_bytes(encoding.SALT_BYTES)
            commitment = encoding.commitment(salt, content.encode())
            leaf = merkle.leaf_hash(commitment)
            index = frontier.size
            for level, node_index, value in frontier.append(leaf):
                nodes.append((log.pk, level, node_index, value))
            entries.append(
                RecordEntry(
                    log=log,
                    index=index,
                    case=case,
                    kind=r.kind,
                    salt=salt,
                    content=content,
                    commitment=commitment,
                    leaf_hash=leaf,
                    created_at=now,
                )
            )
        _insert(entries, nodes)
        log.size = frontier.size
        log.root_hash = frontier.root()
        log.save(update_fields=["size", "root_hash"])
    return entries


def do_append_record(
    *, account: Account, case_ref: str, kind: str, fields: dict[str, Any]
) -> RecordEntry:
    entry = do_append_records(
        account=account, records=[RecordIn(case_ref=case_ref, kind=kind, fields=fields)]
    )[0]
    if entry.pk is None:  # written by COPY: read it back for its id
        entry = RecordEntry.objects.get(log_id=entry.log_id, index=entry.index)
    return entry


def _new_key(log: RecordLog) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return SigningKey.objects.create(
        log=log,
        key_id=encoding.key_id(public),
        public_key=public,
        private_key=base64.b64encode(raw).decode(),
        valid_from=timezone.now(),
    )


def _active_key(log: RecordLog) -> SigningKey:
    key = SigningKey.objects.filter(log=log, valid_until__isnull=True).first()
    return key or _new_key(log)


def do_rotate_signing_key(*, account: Account) -> SigningKey:
    """Retire the active key (it stays published with its validity range) and start a new one."""
    with transaction.atomic():
        log = _locked_log(account)
        SigningKey.objects.filter(log=log, valid_until__isnull=True).update(
            valid_until=timezone.now()
        )
        return _new_key(log)


def do_sign_tree_head(*, account: Account) -> SignedTreeHead:
    with transaction.atomic():
        log = _locked_log(account)
        key = _active_key(log)
        last = selectors.latest_tree_head(log=log)
        # Timestamps never go backwards within a log, even if the clock does.
        timestamp_ms = max(int(time.time() * 1000), (last.timestamp_ms + 1) if last else 0)
        root = bytes(log.root_hash)
        message = encoding.sth_bytes(
            log_id=log.public_id,
            tree_size=log.size,
            timestamp_ms=timestamp_ms,
            root_hash=root,
            key_id=key.key_id,
        )
        private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(key.private_key))
        return SignedTreeHead.objects.create(
            log=log,
            tree_size=log.size,
            root_hash=root,
            timestamp_ms=timestamp_ms,
            key=key,
            signature=private.sign(message),
        )


def do_erase_case(*, account: Account, case_ref: str) -> int:
    """Remove the salts and records of a case. Commitments and leaf hashes stay, so the log
    still verifies; without the salts nobody can test a guess against a commitment."""
    with transaction.atomic():
        case = (
            RecordCase.objects.select_for_update()
            .filter(log__account=account, case_ref=case_ref)
            .first()
        )
        if case is None:
            raise NotFound(_("No records for this case."))
        erased = RecordEntry.objects.filter(case=case).update(salt=None, content=None)
        case.erased_at = timezone.now()
        case.save(update_fields=["erased_at"])
    return erased


def build_receipt(*, account: Account, case_ref: str) -> dict[str, Any]:
    """The customer's receipt (format documented in docs/records.md). Signs a fresh tree head
    when the latest one does not cover the case's last entry yet; uses the anchored head
    when one covers it."""
    case = (
        RecordCase.objects.select_related("log")
        .filter(log__account=account, case_ref=case_ref)
        .first()
    )
    if case is None:
        raise NotFound(_("No records for this case."))
    if case.erased_at is not None:
        raise Conflict(_("This case was erased; its receipt can no longer be produced."))
    log = case.log
    entries = list(RecordEntry.objects.filter(case=case).order_by("index"))
    # Built against the first confirmed anchored head that includes the case, so the customer
    # can check the root on chain; before that, against the latest head (anchor null).
    anchored = covering_anchor(log=log, last_index=entries[-1].index) if entries else None
    sth = anchored.sth if anchored is not None else selectors.latest_tree_head(log=log)
    if sth is None or (entries and sth.tree_size <= entries[-1].index):
        sth = do_sign_tree_head(account=account)
    proofs = selectors.inclusion_proofs(
        log=log, indexes=[e.index for e in entries], tree_size=sth.tree_size
    )
    keys = SigningKey.objects.filter(log=log).order_by("valid_from")
    return {
        "format": RECEIPT_FORMAT,
        "version": RECEIPT_VERSION,
        "log_id": log.public_id,
        "receipt_id": case.receipt_id,
        "records": [
            {
                "index": e.index,
                "salt": bytes(e.salt or b"").hex(),
                "record": e.content,
                "commitment": bytes(e.commitment).hex(),
                "leaf_hash": bytes(e.leaf_hash).hex(),
                "inclusion_proof": [p.hex() for p in proofs[e.index]],
            }
            for e in entries
        ],
        "tree_head": tree_head_dict(sth),
        "public_keys": [public_key_dict(k) for k in keys],
        "anchor": anchor_for(sth),
    }


def tree_head_dict(sth: SignedTreeHead) -> dict[str, Any]:
    return {
        "tree_size": sth.tree_size,
        "timestamp_ms": sth.timestamp_ms,
        "root_hash": bytes(sth.root_hash).hex(),
        "key_id": sth.key.key_id,
        "signature": bytes(sth.signature).hex(),
    }


def public_key_dict(key: SigningKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "algorithm": "ed25519",
        "public_key": bytes(key.public_key).hex(),
        "valid_from_ms": int(key.valid_from.timestamp() * 1000),
        "valid_until_ms": int(key.valid_until.timestamp() * 1000) if key.valid_until else None,
    }
