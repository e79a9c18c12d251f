"""A throw-away installation for a benchmark's servers: a temporary data directory, a
database (SQLite inside it, or a new PostgreSQL database dropped afterwards), the
environment every server and helper process of the run shares, migrated."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.support.live_server import (
    create_postgres_database,
    drop_postgres_database,
    migrate,
    server_env,
    sqlite_url,
)

# A load generator's thousands of visitors come from one address: the public endpoints'
# per-address limit would measure itself.
PUBLIC_LIMITS_OFF = {
    "BLOCKDESK_PUBLIC_RATE_LIMIT": "1000000000",
    "BLOCKDESK_PUBLIC_RATE_WINDOW": "60",
}


@dataclass(frozen=True)
class BenchInstall:
    env: dict[str, str]
    db_url: str
    data_dir: Path


@contextlib.contextmanager
def bench_install(
    *,
    postgres: str = "",
    redis: str = "",
    prefix: str = "bd-bench-",
    extra: Mapping[str, str] | None = None,
) -> Iterator[BenchInstall]:
    """`postgres`: a server URL to create the database next to ("" for SQLite); `redis`:
    the layer and cache ("" for the embedded ones)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        data_dir = Path(tmp)
        db_url = (
            create_postgres_database(postgres)
            if postgres
            else sqlite_url(data_dir / "bench.sqlite3")
        )
        try:
            env = server_env(
                database_url=db_url,
                data_dir=data_dir,
                redis_url=redis or None,
                extra=dict(extra or {}),
            )
            print("  migrating ...", flush=True)
            try:
                migrate(env)
            except subprocess.CalledProcessError as exc:
                stderr = (exc.stderr or b"").decode(errors="replace")
                raise SystemExit(f"migrate failed:\n{stderr[-2000:]}") from exc
            yield BenchInstall(env=env, db_url=db_url, data_dir=data_dir)
        finally:
            if postgres:
                drop_postgres_database(db_url)
