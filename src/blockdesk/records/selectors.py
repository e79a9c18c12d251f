"""Reads of the record logs: tree heads and proofs from the stored complete subtrees."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy as _

from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.records import merkle
from blockdesk.records.models import (
    RecordCase,
    RecordEntry,
    RecordLog,
    RecordNode,
    SignedTreeHead,
)


def log_for_account(*, account_id: int) -> RecordLog | None:
    return RecordLog.objects.filter(account_id=account_id).first()


def log_by_public_id(*, public_id: str) -> RecordLog:
    log = RecordLog.objects.filter(public_id=public_id).first()
    if log is None:
        raise NotFound(_("No such log."))
    return log


def case_by_receipt_id(*, receipt_id: str) -> RecordCase:
    case = RecordCase.objects.select_related("log").filter(receipt_id=receipt_id).first()
    if case is None:
        raise NotFound(_("No such receipt."))
    return case


def case_entries(*, case: RecordCase) -> list[RecordEntry]:
    return list(RecordEntry.objects.filter(case=case).order_by("index"))


def conversation_case_ref(conversation_id: int) -> str:
    """The case_ref of a conversation's record (the event wiring writes it, the widget and
    the console find the case by it)."""
    return f"conv-{conversation_id}"


def case_for_conversation(*, account_id: int, conversation_id: int) -> RecordCase | None:
    """The record of a conversation the caller has already authorised, or None when
    nothing was recorded for it yet."""
    return (
        RecordCase.objects.select_related("log")
        .filter(log__account_id=account_id, case_ref=conversation_case_ref(conversation_id))
        .first()
    )


def customer_steps(*, case: RecordCase) -> list[dict[str, Any]]:
    """The steps of a case as the customer's widget lists them: kind and time (when it
    happened; `at`, when it was recorded, for records without it) and, for a status change,
    the new status; for a reply, who wrote it (agent or assistant, no ids)."""
    steps: list[dict[str, Any]] = []
    for entry in case_entries(case=case):
        record = json.loads(entry.content) if entry.content else {}
        fields = record.get("fields") or {}
        step: dict[str, Any] = {
            "index": entry.index,
            "kind": entry.kind,
            "at": fields.get("occurred_at") or record.get("at"),
        }
        if entry.kind in ("status", "resolved"):
            step["status"] = fields.get("to")
        elif entry.kind == "assigned":
            step["assigned"] = fields.get("to") is not None
        elif entry.kind == "reply":
            step["by"] = str(fields.get("by") or "").split(":")[0]
        steps.append(step)
    return steps


def latest_tree_head(*, log: RecordLog) -> SignedTreeHead | None:
    return (
        SignedTreeHead.objects.filter(log=log)
        .select_related("key")
        .order_by("-tree_size", "-timestamp_ms", "-id")
        .first()
    )


def node_hashes(*, log_id: int, keys: Iterable[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """One primary-key query for all the nodes a proof needs. Plain SQL: the ORM took ~6 ms
    just to compile a composite-key IN list of ~45 tuples, more than the query itself."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    table = RecordNode._meta.db_table
    rows_sql = ", ".join(["(%s, %s)"] * len(wanted))
    params: list[int] = [log_id]
    for level, index in wanted:
        params += [level, index]
    sql = (
        f'SELECT level, "index", hash FROM {table} '  # noqa: S608 - only placeholders vary
        f'WHERE log_id = %s AND (level, "index") IN (VALUES {rows_sql})'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {(level, index): bytes(h) for level, index, h in cursor.fetchall()}
    if len(found) != len(wanted):
        raise NotFound(_("The log is missing nodes for this proof."))
    return found


def _check_size(log: RecordLog, size: int, name: str) -> None:
    if not 0 < size <= log.size:
        raise ValidationFailed.field(name, _("Not a size of this log."))


def inclusion_proof(*, log: RecordLog, index: int, tree_size: int) -> list[bytes]:
    _check_size(log, tree_size, "tree_size")
    if not 0 <= index < tree_size:
        raise ValidationFailed.field("index", _("The entry is not in a tree of this size."))
    ranges = merkle.inclusion_ranges(index, tree_size)
    nodes = node_hashes(log_id=log.pk, keys=merkle.nodes_for(ranges))
    return [merkle.range_hash(lo, hi, nodes) for lo, hi in ranges]


def inclusion_proofs(
    *, log: RecordLog, indexes: list[int], tree_size: int
) -> dict[int, list[bytes]]:
    """Proofs for several entries (a receipt) with one node query."""
    _check_size(log, tree_size, "tree_size")
    ranges = {i: merkle.inclusion_ranges(i, tree_size) for i in indexes}
    keys: set[merkle.NodeKey] = set()
    for r in ranges.values():
        keys |= merkle.nodes_for(r)
    nodes = node_hashes(log_id=log.pk, keys=keys)
    return {i: [merkle.range_hash(lo, hi, nodes) for lo, hi in r] for i, r in ranges.items()}


def consistency_proof(*, log: RecordLog, first: int, second: int) -> list[bytes]:
    _check_size(log, second, "second")
    if not 0 < first <= second:
        raise ValidationFailed.field("first", _("Must be between 1 and the second size."))
    ranges = merkle.consistency_ranges(first, second)
    nodes = node_hashes(log_id=log.pk, keys=merkle.nodes_for(ranges))
    return [merkle.range_hash(lo, hi, nodes) for lo, hi in ranges]


def root_at(*, log: RecordLog, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    keys = merkle.root_nodes(size)
    return merkle.range_hash(0, size, node_hashes(log_id=log.pk, keys=keys))


def entry_by_leaf_hash(*, log: RecordLog, leaf_hash: bytes) -> RecordEntry:
    entry = RecordEntry.objects.filter(log=log, leaf_hash=leaf_hash).order_by("index").first()
    if entry is None:
        raise NotFound(_("No entry with this leaf hash."))
    return entry
