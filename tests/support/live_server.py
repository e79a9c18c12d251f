"""Run real Blockdesk servers (uvicorn via `manage.py serve`) for end-to-end tests.

The server is a subprocess with its own environment, so it cannot see the pytest test
database. Give it a database of its own instead: a fresh SQLite file (`sqlite_url`) or a
fresh PostgreSQL database (`create_postgres_database`), migrated with `migrate` and seeded
with `run_django`. Several servers may share one DATABASE_URL and REDIS_URL (a two-node
test); code run with `run_django` against the same URLs acts like one more node.

    with temp_database(base_url=os.environ.get("DATABASE_URL")) as db_url:
        env = server_env(database_url=db_url, redis_url=redis_url_or_none, data_dir=tmp)
        migrate(env)
        seed = run_django(env, "print(...)")
        with live_server(env) as server:
            httpx.get(server.url("/healthz"))
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import random
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

REPO = Path(__file__).resolve().parents[2]
MANAGE = REPO / "manage.py"
# Variables of the parent test process that must not leak into a server's settings.
_SCRUBBED = ("DATABASE_URL", "REDIS_URL", "BLOCKDESK_TEST_SQLITE_NAME", "DJANGO_SETTINGS_MODULE")


def _ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A loopback port nobody uses right now, below the kernel's ephemeral range.

    A port the kernel handed out (`bind(0)`) is one it may hand out again as the local end
    of any outgoing connection (to PostgreSQL, Redis, another server) before our server
    binds it; CI saw "address already in use" that way. Ports under the range are only
    ever taken by someone asking for them by number.
    """
    top = _ephemeral_floor()
    low = max(1024, top - 12000)
    for _ in range(200):
        port = random.randrange(low, top)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_available(url: str = "redis://127.0.0.1:6379/15") -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1):
            return True
    except OSError:
        return False


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def create_postgres_database(base_url: str) -> str:
    """Creates an empty database next to the one `base_url` names; returns its URL."""
    import psycopg

    parts = urlsplit(base_url)
    name = f"blockdesk_live_{uuid.uuid4().hex[:12]}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_postgres_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def temp_database(*, base_url: str | None, directory: Path | None = None) -> Iterator[str]:
    """A fresh, empty database: PostgreSQL when `base_url` is a postgres URL, else a
    SQLite file. Dropped (or deleted) afterwards."""
    if base_url and base_url.startswith(("postgres://", "postgresql://")):
        url = create_postgres_database(base_url)
        try:
            yield url
        finally:
            drop_postgres_database(url)
        return
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        yield sqlite_url(Path(tmp) / "live.sqlite3")


def server_env(
    *,
    database_url: str,
    data_dir: Path,
    redis_url: str | None = None,
    secret_key: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment for servers and helper processes sharing one installation.
    Every process given the same env (same secret, database, Redis prefix) is a node of
    the same deployment."""
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
    data_dir.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "DATABASE_URL": database_url,
            "BLOCKDESK_DATA_DIR": str(data_dir),
            "BLOCKDESK_SECRET_KEY": secret_key or secrets.token_urlsafe(40),
            "BLOCKDESK_EMBEDDED_WORKER": "false",
            "BLOCKDESK_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BLOCKDESK_LOG_LEVEL": "WARNING",
            # Separate key space per test run on a shared Redis.
            "BLOCKDESK_REDIS_PREFIX": f"bdlive{uuid.uuid4().hex[:10]}",
            "DJANGO_SETTINGS_MODULE": "blockdesk.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra or {})
    return env


def _python() -> str:
    return sys.executable


def _run_migrate(env: dict[str, str], timeout: float) -> None:
    subprocess.run(
        [_python(), str(MANAGE), "migrate", "-v0", "--no-input"],
        env=env,
        cwd=REPO,
        check=True,
        timeout=timeout,
        capture_output=True,
    )


def migrate(env: dict[str, str], timeout: float = 180) -> None:
    """Brings the empty database of `env` to the latest migrations.

    `manage.py migrate` costs ~25 s of CPU, and the live-server tests each migrate a fresh
    database: a fresh one is instead copied from a database migrated once per set of
    migrations (migrated_template), which holds the same schema and rows. A database that
    is not empty is migrated for real."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        target = Path(url.removeprefix("sqlite:///"))
        if not target.exists() or target.stat().st_size == 0:
            _copy_sqlite(migrated_template(env, timeout), target)
            return
    elif url.startswith(("postgres://", "postgresql://")) and _postgres_is_empty(url):
        _create_from_template(url, migrated_template(env, timeout))
        return
    _run_migrate(env, timeout)


def _migrations_digest() -> str:
    """Names the migrated template: every migration of this tree and every installed
    distribution's version (third-party apps bring migrations too)."""
    from importlib import metadata

    digest = hashlib.sha256()
    for path in sorted((REPO / "src").glob("**/migrations/*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    versions = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    digest.update("\n".join([sys.version, *versions]).encode())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _template_lock(name: str) -> Iterator[None]:
    """Serialises building a template across test processes (xdist workers, both passes)."""
    lock_dir = Path(tempfile.gettempdir()) / "blockdesk-migrated"
    lock_dir.mkdir(exist_ok=True)
    with (lock_dir / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrated_template(env: dict[str, str], timeout: float = 180) -> str:
    """A database migrated once per set of migrations, built on first use: a SQLite file in
    the temp directory, or a PostgreSQL database `blockdesk_migrated_<digest>` next to the
    one `env` names. Returns its path (SQLite) or URL (PostgreSQL)."""
    name = f"blockdesk_migrated_{_migrations_digest()}"
    url = env["DATABASE_URL"]
    # One lock per database kind: the two passes build their templates at the same time.
    with _template_lock(f"{name}-{url.split(':', 1)[0]}"):
        if url.startswith("sqlite:///"):
            path = Path(tempfile.gettempdir()) / "blockdesk-migrated" / f"{name}.sqlite3"
            if not path.exists():
                building = path.with_suffix(f".{os.getpid()}.tmp")
                try:
                    _run_migrate({**env, "DATABASE_URL": sqlite_url(building)}, timeout)
                    staged = path.with_suffix(f".{os.getpid()}.tmpcopy")
                    _copy_sqlite(building, staged)
                    staged.replace(path)  # atomic: never a half-copied template
                finally:
                    for leftover in path.parent.glob(f"{path.stem}.{os.getpid()}.tmp*"):
                        leftover.unlink(missing_ok=True)
            return str(path)
        import psycopg

        parts = urlsplit(url)
        admin = urlunsplit(parts._replace(path="/postgres"))
        template = urlunsplit(parts._replace(path=f"/{name}"))
        with psycopg.connect(admin, autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if found.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
                try:
                    _run_migrate({**env, "DATABASE_URL": template}, timeout)
                except BaseException:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    raise
        return template


def _copy_sqlite(source: Path | str, target: Path) -> None:
    """SQLite's backup API: a consistent copy even with the source in WAL mode."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def _postgres_is_empty(url: str) -> bool:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
            "'information_schema')"
        ).fetchone()
    return row is not None and row[0] == 0


def _create_from_template(url: str, template_url: str) -> None:
    """Recreates the empty database `url` as a copy of the template."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    template = urlsplit(template_url).path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with _template_lock(template), psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def run_django(env: dict[str, str], code: str, timeout: float = 120) -> str:
    """Runs `code` in a fresh process with Django set up in `env`; returns its stdout.
    Use it to seed the server's database or to act as another node (a service call
    there publishes over the shared Redis channel layer)."""
    prelude = "import django\ndjango.setup()\n"
    done = subprocess.run(
        [_python(), "-c", prelude + code],
        env=env,
        cwd=REPO,
        timeout=timeout,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"run_django failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


@dataclass
class LiveServer:
    host: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(repr=False)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def origin(self) -> str:
        return self.base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def ws_url(self, path: str) -> str:
        return f"ws://{self.host}:{self.port}{path}"

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class PortTaken(RuntimeError):
    """The server could not bind its port: another process took it first."""


# How long a starting server may take to answer /healthz: seconds on an idle machine,
# over a minute on a loaded CI machine.
HEALTHZ_TIMEOUT = 90.0


def wait_for_healthz(server: LiveServer, timeout: float = HEALTHZ_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            if "address already in use" in server.log():
                raise PortTaken(f"port {server.port} taken:\n{server.log()[-2000:]}")
            raise RuntimeError(
                f"server exited with {server.process.returncode}:\n{server.log()[-4000:]}"
            )
        try:
            response = httpx.get(server.url("/healthz"), timeout=2)
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            last_error = str(exc)
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(
        f"server not healthy after {timeout}s ({last_error}):\n{server.log()[-4000:]}"
    )


def start_server(
    env: dict[str, str],
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
    timeout: float = HEALTHZ_TIMEOUT,
) -> LiveServer:
    """Starts `manage.py serve --no-worker` and returns once /healthz answers.

    A port chosen here may still be taken by another test process between the check and
    the server's bind; the server then exits at once and another port is tried.
    """
    if port is not None:
        return _start_server_on(env, port=port, host=host, timeout=timeout)
    tries_left = 3
    while True:
        tries_left -= 1
        try:
            return _start_server_on(env, port=free_port(), host=host, timeout=timeout)
        except PortTaken:
            if not tries_left:
                raise


def _start_server_on(env: dict[str, str], *, port: int, host: str, timeout: float) -> LiveServer:
    env = {**env, "BLOCKDESK_PUBLIC_URL": f"http://{host}:{port}"}
    log_path = Path(env["BLOCKDESK_DATA_DIR"]) / f"server-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [_python(), str(MANAGE), "serve", "--no-worker", "--host", host, "--port", str(port)],
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    server = LiveServer(host=host, port=port, process=process, log_path=log_path, env=env)
    wait_for_healthz(server, timeout=timeout)
    return server


@contextlib.contextmanager
def live_server(
    env: dict[str, str],
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
    timeout: float = HEALTHZ_TIMEOUT,
) -> Iterator[LiveServer]:
    server = start_server(env, port=port, host=host, timeout=timeout)
    try:
        yield server
    finally:
        server.stop()


def fresh_cache_namespace(settings: Any) -> None:
    """Start a test with empty rate-limit counters without `cache.clear()`: on Redis that
    flushes the whole database, which other test processes (make test's other pass, live
    servers) are using at the same time."""
    default = dict(settings.CACHES["default"])
    default["KEY_PREFIX"] = f"t{uuid.uuid4().hex[:12]}"
    settings.CACHES = {**settings.CACHES, "default": default}
