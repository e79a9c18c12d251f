"""KB search indexes shared between nodes through the uploads storage.

Each node keeps its index in memory and as a file under its own `DATA_DIR/kb_index/`
(store.py): a rebuild on one node used to stay on that node. When the uploads live in
object storage (several nodes: `BLOCKDESK_S3_*`) or `BLOCKDESK_KB_INDEX_SHARED=true`,
a node that rebuilds a scope also publishes it:

    kb_index/default-<version>.npz   the index file (`version` is the index's own id)
    kb_index/default.json            {"version", "name"}: which one is current

and every node, at most once per `BLOCKDESK_KB_INDEX_POLL_SECONDS` per scope, reads the
small JSON and downloads the index when its version differs from the one it holds, then
loads it as if it had built it. The local file is only a cache: a new node (or one whose
disk was wiped) fetches the current index instead of rebuilding it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

PREFIX = "kb_index"
_last_check: dict[int | None, float] = {}
_lock = threading.Lock()


def enabled() -> bool:
    configured = getattr(settings, "KB_INDEX_SHARED", None)
    if configured is not None:
        return bool(configured)
    return not settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


# What the storages raise: the file system's OSError, S3's (django-storages over boto3)
# ClientError for an answer (403, 404, 5xx) and BotoCoreError for no answer (endpoint down,
# timeout, bad credentials config).
STORAGE_ERRORS: tuple[type[Exception], ...] = (OSError, BotoCoreError, ClientError)


def _scope_name(account_id: int | None) -> str:
    return "default" if account_id is None else f"account-{int(account_id)}"


def _marker(account_id: int | None) -> str:
    return f"{PREFIX}/{_scope_name(account_id)}.json"


def _local_version_file(path: Path) -> Path:
    return path.with_name(f"{path.name}.version")


def local_version(path: Path) -> str | None:
    try:
        return _local_version_file(path).read_text().strip() or None
    except OSError:
        return None


def _set_local_version(path: Path, version: str) -> None:
    _local_version_file(path).write_text(version)


def current(account_id: int | None) -> dict[str, str] | None:
    """The published {"version", "name"} of the scope, or None."""
    try:
        with default_storage.open(_marker(account_id), "rb") as fh:
            data = json.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        return None  # nothing published yet
    except ValueError:
        logger.warning("kb search: the shared index marker is not JSON; ignored")
        return None
    except STORAGE_ERRORS as exc:
        logger.warning("kb search: cannot read the shared index marker: %s", exc)
        return None
    if not isinstance(data, dict) or "version" not in data or "name" not in data:
        return None
    return {"version": str(data["version"]), "name": str(data["name"])}


def publish(account_id: int | None, path: Path, version: str) -> None:
    """Upload the index file just written at `path` and make it the current one."""
    previous = current(account_id)
    with path.open("rb") as fh:
        name = default_storage.save(
            f"{PREFIX}/{_scope_name(account_id)}-{version}.npz", ContentFile(fh.read())
        )
    marker = _marker(account_id)
    body = json.dumps({"version": version, "name": name}).encode("utf-8")
    # Replace, never rename aside: a reader sees the old marker, none (it keeps its
    # index), or the new one.
    default_storage.delete(marker)
    default_storage.save(marker, ContentFile(body))
    _set_local_version(path, version)
    if previous is not None and previous["name"] != name:
        # Nodes still downloading the previous file got it already or will see the new
        # marker on their next check; keep only the current one.
        try:
            default_storage.delete(previous["name"])
        except STORAGE_ERRORS as exc:  # a leftover file is harmless
            logger.info("kb search: old shared index %s not deleted: %s", previous["name"], exc)
    logger.info("kb search: published index %s (scope %s)", version, account_id)


def sync(account_id: int | None, path: Path, *, force: bool = False) -> bool:
    """Fetch the scope's published index when it is newer than the local file; True if
    the local file was replaced. Checks the storage at most once per poll interval."""
    poll = float(getattr(settings, "KB_INDEX_POLL_SECONDS", 5.0))
    now = time.monotonic()
    with _lock:
        last = _last_check.get(account_id)
        if not force and last is not None and now - last < poll:
            return False
        _last_check[account_id] = now
    published = current(account_id)
    if published is None or published["version"] == local_version(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.fetch")
    try:
        with default_storage.open(published["name"], "rb") as src, tmp.open("wb") as dst:
            for chunk in iter(lambda: src.read(1 << 20), b""):
                dst.write(chunk)
        tmp.replace(path)  # store.cached_index sees a new file and reloads it
    except STORAGE_ERRORS as exc:  # keep serving the index we have
        logger.warning("kb search: cannot fetch shared index %s: %s", published["name"], exc)
        return False
    finally:
        tmp.unlink(missing_ok=True)
    _set_local_version(path, published["version"])
    logger.info("kb search: loaded shared index %s (scope %s)", published["version"], account_id)
    return True


def forget_checks() -> None:
    with _lock:
        _last_check.clear()
