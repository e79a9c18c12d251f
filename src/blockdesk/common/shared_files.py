"""Files a node builds (a KB search index, a trained intent model) shared with the other
nodes through the uploads storage (issue 17 §2: nothing on a node's own disk may be needed
by another node).

Each node keeps such a file under its own DATA_DIR, loads it from there, and caches it in
memory. When sharing is on (the uploads live in object storage, or the family's setting
says so), the node that writes a new version also publishes it:

    <prefix>/<scope>-<version><suffix>   the file
    <prefix>/<scope>.json                {"version", "name"}: which one is current

and every node, at most once per poll interval and scope, reads the small JSON and
downloads the file when the version differs from the one it holds (a `.version` file next
to its local copy), replacing its local copy atomically; the loader sees a new file and
reloads it. The local file is only a cache: a new node, or one whose disk was wiped,
fetches the current file instead of rebuilding it. Scopes: `default` (the installation)
and `account-<id>`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def storage_errors() -> tuple[type[Exception], ...]:
    """What the storages raise: the file system's OSError, S3's (django-storages over
    boto3) ClientError for an answer (403, 404, 5xx) and BotoCoreError for no answer
    (endpoint down, timeout). botocore is imported here, when a storage is used: an idle
    web worker on local disk has no use for it (docs/benchmarks.md, "Memory")."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - django-storages[s3] is a dependency
        return (OSError,)
    return (OSError, BotoCoreError, ClientError)


def scope_name(account_id: int | None) -> str:
    return "default" if account_id is None else f"account-{int(account_id)}"


def file_version(path: Path) -> str:
    """A version derived from the content: the same file built twice is one version."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:20]


class SharedFiles:
    """One family of shared files (`prefix` in the storage, `suffix` on each file).
    `enabled_setting` names a `bool | None` setting (None: on when the uploads are not on
    the local file system); `poll_setting` the seconds between two checks of a scope."""

    def __init__(
        self, *, prefix: str, suffix: str, label: str, enabled_setting: str, poll_setting: str
    ) -> None:
        self.prefix = prefix
        self.suffix = suffix
        self.label = label
        self.enabled_setting = enabled_setting
        self.poll_setting = poll_setting
        self._last_check: dict[int | None, float] = {}
        self._lock = threading.Lock()

    def enabled(self) -> bool:
        configured = getattr(settings, self.enabled_setting, None)
        if configured is not None:
            return bool(configured)
        return not settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")

    def marker(self, account_id: int | None) -> str:
        return f"{self.prefix}/{scope_name(account_id)}.json"

    @staticmethod
    def _local_version_file(path: Path) -> Path:
        return path.with_name(f"{path.name}.version")

    def local_version(self, path: Path) -> str | None:
        try:
            return self._local_version_file(path).read_text().strip() or None
        except OSError:
            return None

    def _set_local_version(self, path: Path, version: str) -> None:
        self._local_version_file(path).write_text(version)

    def current(self, account_id: int | None) -> dict[str, str] | None:
        """The published {"version", "name"} of the scope, or None."""
        try:
            with default_storage.open(self.marker(account_id), "rb") as fh:
                data = json.loads(fh.read().decode("utf-8"))
        except FileNotFoundError:
            return None  # nothing published yet
        except ValueError:
            logger.warning("%s: the shared file's marker is not JSON; ignored", self.label)
            return None
        except storage_errors() as exc:
            logger.warning("%s: cannot read the shared file's marker: %s", self.label, exc)
            return None
        if not isinstance(data, dict) or "version" not in data or "name" not in data:
            return None
        return {"version": str(data["version"]), "name": str(data["name"])}

    def publish(self, account_id: int | None, path: Path, version: str | None = None) -> str:
        """Upload the file just written at `path` and make it the scope's current one;
        returns its version (`file_version` of the content unless given)."""
        version = version or file_version(path)
        previous = self.current(account_id)
        with path.open("rb") as fh:
            name = default_storage.save(
                f"{self.prefix}/{scope_name(account_id)}-{version}{self.suffix}",
                ContentFile(fh.read()),
            )
        marker = self.marker(account_id)
        body = json.dumps({"version": version, "name": name}).encode("utf-8")
        # Replace, never rename aside: a reader sees the old marker, none (it keeps its
        # file), or the new one.
        default_storage.delete(marker)
        default_storage.save(marker, ContentFile(body))
        self._set_local_version(path, version)
        if previous is not None and previous["name"] != name:
            # Nodes still downloading the previous file got it already or will see the new
            # marker on their next check; keep only the current one.
            try:
                default_storage.delete(previous["name"])
            except storage_errors() as exc:  # a leftover file is harmless
                logger.info("%s: old shared file %s not deleted: %s", self.label, name, exc)
        logger.info("%s: published %s (scope %s)", self.label, version, account_id)
        return version

    def sync(self, account_id: int | None, path: Path, *, force: bool = False) -> bool:
        """Fetch the scope's published file when it differs from the local one; True if
        the local file was replaced. Checks the storage at most once per poll interval."""
        poll = float(getattr(settings, self.poll_setting, 5.0))
        now = time.monotonic()
        with self._lock:
            last = self._last_check.get(account_id)
            if not force and last is not None and now - last < poll:
                return False
            self._last_check[account_id] = now
        published = self.current(account_id)
        if published is None or published["version"] == self.local_version(path):
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.fetch")
        try:
            with default_storage.open(published["name"], "rb") as src, tmp.open("wb") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    dst.write(chunk)
            tmp.replace(path)  # the loader sees a new file and reloads it
        except storage_errors() as exc:  # keep serving the file we have
            logger.warning("%s: cannot fetch %s: %s", self.label, published["name"], exc)
            return False
        finally:
            tmp.unlink(missing_ok=True)
        self._set_local_version(path, published["version"])
        logger.info("%s: loaded shared %s (scope %s)", self.label, published["version"], account_id)
        return True

    def forget_checks(self) -> None:
        with self._lock:
            self._last_check.clear()
