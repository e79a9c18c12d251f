"""Hook for anchoring signed tree heads on a chain (a later step of the issue).

`anchor_for` is called when a receipt is built; it returns the `anchor` object of the
receipt (docs/records.md), or None while anchoring is not set up. The anchoring step will
publish tree-head roots in a transaction and return {"chain", "tx", "tree_size",
"root_hash"} here; verifiers with an RPC URL will then check the transaction."""

from __future__ import annotations

from typing import Any

from blockdesk.records.models import SignedTreeHead


def anchor_for(sth: SignedTreeHead) -> dict[str, Any] | None:
    return None
