"""`records verify`: recompute a log from its rows and name the first thing that differs.

Streams entries in index order (keyset pages, bounded memory), recomputes each commitment
(where the salt and record are still there), each leaf hash, every complete-subtree node
(compared with the stored RecordNode rows page by page), the root at every signed tree
head and each head's Ed25519 signature."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db.models import Max

from blockdesk.records import encoding, merkle
from blockdesk.records.models import RecordEntry, RecordLog, RecordNode, SignedTreeHead


class LogTampered(Exception):
    """The first inconsistency found; the message names the entry, node or tree head."""


@dataclass
class VerifyReport:
    log_id: str
    entries: int
    erased: int
    tree_heads: int
    nodes: int


def _b(value: object) -> bytes:
    return bytes(value)  # type: ignore[call-overload]  # memoryview on PostgreSQL


def _check_signatures(log: RecordLog, heads: list[SignedTreeHead]) -> None:
    for sth in heads:
        key = sth.key
        if key.log_id != log.pk or encoding.key_id(_b(key.public_key)) != key.key_id:
            raise LogTampered(
                f"tree head #{sth.pk} (size {sth.tree_size}): its key is not this log's"
            )
        message = encoding.sth_bytes(
            log_id=log.public_id,
            tree_size=sth.tree_size,
            timestamp_ms=sth.timestamp_ms,
            root_hash=_b(sth.root_hash),
            key_id=key.key_id,
        )
        try:
            Ed25519PublicKey.from_public_bytes(_b(key.public_key)).verify(
                _b(sth.signature), message
            )
        except (InvalidSignature, ValueError):
            raise LogTampered(
                f"tree head #{sth.pk} (size {sth.tree_size}): the signature does not verify"
            ) from None
        start = int(key.valid_from.timestamp() * 1000)
        end = int(key.valid_until.timestamp() * 1000) if key.valid_until else None
        if sth.timestamp_ms < start or (end is not None and sth.timestamp_ms > end):
            raise LogTampered(
                f"tree head #{sth.pk} (size {sth.tree_size}): signed outside its key's validity"
            )


def _compare_nodes(log: RecordLog, computed: dict[tuple[int, int], bytes]) -> None:
    by_level: dict[int, list[int]] = defaultdict(list)
    for level, index in computed:
        by_level[level].append(index)
    problems: list[tuple[bool, int, int, str]] = []  # an entry before any node, then leftmost
    for level, indexes in by_level.items():
        stored = {
            index: bytes(h)
            for index, h in RecordNode.objects.filter(
                log=log, level=level, index__gte=min(indexes), index__lte=max(indexes)
            ).values_list("index", "hash")
        }
        for index in indexes:
            got = stored.get(index)
            if got is not None and got == computed[(level, index)]:
                continue
            first = index << level
            last = first + (1 << level) - 1
            what = (
                f"entry {first}"
                if level == 0
                else f"node (level {level}, index {index}) over entries {first}..{last}"
            )
            if got is None:
                problems.append(
                    (
                        level > 0,
                        first,
                        level,
                        f"{what}: the stored tree has no such node (deleted?)",
                    )
                )
            else:
                problems.append(
                    (
                        level > 0,
                        first,
                        level,
                        f"{what}: the stored tree hash differs from the entries",
                    )
                )
    if problems:
        raise LogTampered(min(problems)[3])


def verify_log(
    log: RecordLog, *, chunk: int = 20_000, progress: Callable[[int], None] | None = None
) -> VerifyReport:
    heads = list(
        SignedTreeHead.objects.filter(log=log).select_related("key").order_by("tree_size", "id")
    )
    _check_signatures(log, heads)
    pending = list(heads)
    frontier = merkle.Frontier()
    expected = erased = 0
    sha256 = hashlib.sha256
    tag = encoding.COMMITMENT_TAG

    head_failure: list[str] = []
    computed: dict[tuple[int, int], bytes] = {}

    def check_heads() -> None:
        while pending and pending[0].tree_size == frontier.size:
            sth = pending.pop(0)
            if _b(sth.root_hash) != frontier.root() and not head_failure:
                # Held until this page's nodes are compared: they name the entry at fault.
                head_failure.append(
                    f"tree head #{sth.pk} (size {sth.tree_size}): "
                    "its root does not match the entries"
                )

    def fail(message: str) -> NoReturn:
        _compare_nodes(log, computed)
        raise LogTampered(head_failure[0] if head_failure else message)

    check_heads()
    if head_failure:
        fail("")
    last = RecordEntry.objects.filter(log=log).aggregate(last=Max("index"))["last"]
    start = 0
    while last is not None and start <= last:
        # A bounded index range, not "index >= n LIMIT k": the planner then walks the unique
        # (log, index) index even with stale statistics instead of sorting the whole log.
        rows = list(
            RecordEntry.objects.filter(log=log, index__gte=start, index__lt=start + chunk)
            .order_by("index")
            .values_list("index", "salt", "content", "commitment", "leaf_hash")
        )
        start += chunk
        if not rows:
            if expected < start:
                fail(f"entry {expected}: missing")
            continue
        computed.clear()
        for index, salt, content, commitment, leaf in rows:
            if index != expected:
                fail(f"entry {expected}: missing (the next stored entry is {index})")
            if index >= log.size:
                fail(f"entry {index}: beyond the log head's size {log.size} (inserted?)")
            commitment, leaf = _b(commitment), _b(leaf)
            if salt is not None and content is not None:
                if sha256(tag + _b(salt) + content.encode()).digest() != commitment:
                    fail(f"entry {index}: the salt and record do not match the commitment")
            elif salt is None and content is None:
                erased += 1
            else:
                fail(f"entry {index}: half erased (salt or record missing)")
            if sha256(b"\x00" + commitment).digest() != leaf:
                fail(f"entry {index}: the leaf hash does not match the commitment")
            for level, node_index, value in frontier.append(leaf):
                computed[(level, node_index)] = value
            check_heads()
            expected += 1
        _compare_nodes(log, computed)
        if head_failure:
            raise LogTampered(head_failure[0])
        if progress:
            progress(expected)
    if frontier.size != log.size:
        raise LogTampered(f"entry {frontier.size}: missing (the log head counts {log.size})")
    if _b(log.root_hash) != frontier.root():
        raise LogTampered("log head: its root does not match the entries")
    if pending:
        sth = pending[0]
        raise LogTampered(
            f"tree head #{sth.pk} (size {sth.tree_size}): more entries than the log holds"
        )
    stored_entries = RecordEntry.objects.filter(log=log).count()
    if stored_entries != expected:
        raise LogTampered(
            f"log: {stored_entries - expected} stored entries outside 0..{expected - 1}"
        )
    total_nodes = sum(log.size >> level for level in range(max(log.size.bit_length(), 1)))
    stored_nodes = RecordNode.objects.filter(log=log).count()
    if stored_nodes != total_nodes:
        raise LogTampered(f"log: {stored_nodes} stored nodes, the entries make {total_nodes}")
    return VerifyReport(log.public_id, expected, erased, len(heads), total_nodes)
