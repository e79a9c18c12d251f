"""KB search indexes shared between nodes through the uploads storage (the mechanism:
common/shared_files.py, which the assistant's intent model uses too).

Each node keeps its index in memory and as a file under its own `DATA_DIR/kb_index/`
(store.py). When the uploads live in object storage (several nodes: `BLOCKDESK_S3_*`) or
`BLOCKDESK_KB_INDEX_SHARED=true`, a node that rebuilds a scope also publishes it:

    kb_index/default-<version>.npz   the index file (`version` is the index's own id)
    kb_index/default.json            {"version", "name"}: which one is current

and every node, at most once per `BLOCKDESK_KB_INDEX_POLL_SECONDS` per scope, reads the
small JSON and downloads the index when its version differs from the one it holds.
"""

from __future__ import annotations

from pathlib import Path

from blockdesk.common.shared_files import SharedFiles

PREFIX = "kb_index"

_FILES = SharedFiles(
    prefix=PREFIX,
    suffix=".npz",
    label="kb search index",
    enabled_setting="KB_INDEX_SHARED",
    poll_setting="KB_INDEX_POLL_SECONDS",
)


def enabled() -> bool:
    return _FILES.enabled()


def local_version(path: Path) -> str | None:
    return _FILES.local_version(path)


def current(account_id: int | None) -> dict[str, str] | None:
    """The published {"version", "name"} of the scope, or None."""
    return _FILES.current(account_id)


def publish(account_id: int | None, path: Path, version: str) -> None:
    """Upload the index file just written at `path` and make it the current one."""
    _FILES.publish(account_id, path, version)


def sync(account_id: int | None, path: Path, *, force: bool = False) -> bool:
    """Fetch the scope's published index when it is newer than the local file; True if
    the local file was replaced (at most one check per poll interval)."""
    return _FILES.sync(account_id, path, force=force)


def forget_checks() -> None:
    _FILES.forget_checks()
