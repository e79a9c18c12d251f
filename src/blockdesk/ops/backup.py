"""Backup and restore of the embedded mode (SQLite + the uploads on local disk).

A backup is a directory:
- `blockdesk.sqlite3`: a consistent copy taken with SQLite's online backup API while the
  server keeps serving (one step: WAL readers never block the writer, and the copy is the
  database as of one committed transaction);
- `media/`: the uploads (attachments, help-center images), copied after the database,
  so every file the copy refers to exists (a file written later is extra, harmless);
- `secret_key`: the generated secret, when the install has one: the encrypted fields
  (webhook secrets, TOTP seeds, mailbox passwords) cannot be read without it;
- `manifest.json`: row counts and a SHA-256 of every file, checked by `restore`.

Scale-out (PostgreSQL, object storage) is backed up with the servers' own tools
(`pg_dump`, bucket versioning or replication): see docs/operations.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.sqlite3._functions import register as register_django_functions

FORMAT = 1
DB_NAME = "blockdesk.sqlite3"
MANIFEST = "manifest.json"
# Tables whose row counts the manifest records (the restore test checks them).
COUNTED_TABLES = (
    "conversations_conversation",
    "conversations_message",
    "conversations_attachment",
    "conversations_contact",
    "events_event",
    "kb_article",
)


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupResult:
    directory: Path
    counts: dict[str, int]
    files: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path() -> Path:
    conn = connections["default"]
    if conn.vendor != "sqlite":
        raise BackupError(
            "backup/restore handle the embedded mode (SQLite); on PostgreSQL use pg_dump "
            "(docs/operations.md)"
        )
    return Path(str(conn.settings_dict["NAME"]))


def _media_root() -> Path | None:
    """The uploads directory, or None when uploads live in object storage."""
    backend = settings.STORAGES["default"]["BACKEND"]
    if not backend.endswith("FileSystemStorage"):
        return None
    return Path(settings.MEDIA_ROOT)


def _walk(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def _counts(db: Path) -> dict[str, int]:
    raw = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        counts = {}
        for table in COUNTED_TABLES:
            try:
                counts[table] = int(raw.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608 - fixed names
            except sqlite3.OperationalError:
                continue  # an app not migrated yet
        return counts
    finally:
        raw.close()


def take_backup(output: Path) -> BackupResult:
    source = _sqlite_path()
    if not source.exists():
        raise BackupError(f"no database at {source}")
    output.mkdir(parents=True, exist_ok=True)
    if any(output.iterdir()):
        raise BackupError(f"{output} is not empty")
    target = output / DB_NAME
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, under one read transaction: a
        # consistent snapshot however busy the writer is (WAL lets it keep writing).
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()
        src.close()
    check = sqlite3.connect(target)
    # The schema's CHECK constraints call the functions Django adds to its connections.
    register_django_functions(check)
    try:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("the copy failed SQLite's integrity check")
    finally:
        check.close()

    files: dict[str, dict[str, Any]] = {}
    media = _media_root()
    if media is not None:
        for path in _walk(media):
            rel = path.relative_to(media).as_posix()
            dest = output / "media" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copy2(path, dest)
            except FileNotFoundError:
                continue  # deleted (erasure) since the walk: the copy no longer refers to it
            files[f"media/{rel}"] = {"sha256": _sha256(dest), "size": dest.stat().st_size}
    secret = Path(settings.DATA_DIR) / "secret_key"
    if secret.exists():
        shutil.copy2(secret, output / "secret_key")
        files["secret_key"] = {"sha256": _sha256(output / "secret_key")}
    files[DB_NAME] = {"sha256": _sha256(target), "size": target.stat().st_size}
    counts = _counts(target)
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(tz=dt.UTC).isoformat(),
        "database": "sqlite",
        "uploads": "local" if media is not None else "object-storage (not copied)",
        "counts": counts,
        "files": files,
    }
    (output / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return BackupResult(directory=output, counts=counts, files=len(files))


def verify_backup(source: Path) -> dict[str, Any]:
    """The manifest, after checking every file's checksum (BackupError otherwise)."""
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source}: no readable {MANIFEST} ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: backup format {manifest.get('format')} unsupported")
    for rel, info in manifest["files"].items():
        path = source / rel
        if not path.is_file() or _sha256(path) != info["sha256"]:
            raise BackupError(f"{source}: {rel} is missing or damaged")
    return manifest


def restore_backup(source: Path, *, force: bool = False) -> dict[str, Any]:
    """Put a backup in place of this install's database and uploads (server stopped)."""
    manifest = verify_backup(source)
    target = _sqlite_path()
    if target.exists() and not force:
        raise BackupError(f"{target} exists: stop the server and pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    connections["default"].close()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    tmp = target.with_name(f".{target.name}.restoring")
    shutil.copy2(source / DB_NAME, tmp)
    tmp.replace(target)
    media = _media_root()
    if media is not None and (source / "media").is_dir():
        for path in _walk(source / "media"):
            dest = media / path.relative_to(source / "media")
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
    secret = Path(settings.DATA_DIR) / "secret_key"
    if (source / "secret_key").exists() and (force or not secret.exists()):
        shutil.copy2(source / "secret_key", secret)
        secret.chmod(0o600)
    if _counts(target) != manifest["counts"]:
        raise BackupError("the restored database's row counts differ from the manifest")
    return manifest
