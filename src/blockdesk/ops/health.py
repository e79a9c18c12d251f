"""Probes for load balancers and orchestrators.

- `/healthz`: the process answers (no database, no cache): restart it when this fails.
- `/readyz`: the node can serve: the database answers within a short timeout, the
  migrations on disk are applied, and the channel layer (Redis in scale-out) answers.
  Take the node out of rotation while this fails; do not restart it.

Both are JSON, need no session or token, and are answered by `OpsMiddleware` before the
session, locale, CSRF and authentication middleware (no rate limit applies to them).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import json
import logging
import pkgutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

# The database check's budget: a probe that waits longer than the load balancer's own
# timeout tells it nothing.
DEFAULT_TIMEOUT = 2.0

_migrations_ok = False
_migrations_lock = threading.Lock()
_expected_migrations: set[tuple[str, str]] | None = None
# Squashed migrations and what each replaces: the database records either the squash or,
# when it was applied through its parts, those parts.
_squashes: dict[tuple[str, str], set[tuple[str, str]]] = {}


def _json(body: dict[str, Any], status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _json({"status": "ok"}, 200)


def _timeout() -> float:
    return float(getattr(settings, "OPS_READY_TIMEOUT", DEFAULT_TIMEOUT))


def expected_migrations() -> set[tuple[str, str]]:
    """Every migration on disk (read once per process: files do not change under it).

    Found by name, as Django's MigrationLoader finds them, without importing them: the
    loader imported every migration module of every app into the web worker that
    answered the probe, ~8 MB it kept for good (docs/benchmarks.md, "Memory"). A squash's
    `replaces` is read from its source."""
    global _expected_migrations
    if _expected_migrations is None:
        from django.apps import apps
        from django.db.migrations.loader import MigrationLoader

        found: set[tuple[str, str]] = set()
        for app_config in apps.get_app_configs():
            module_name, _explicit = MigrationLoader.migrations_module(app_config.label)
            if module_name is None:
                continue
            try:
                package = importlib.import_module(module_name)
            except ModuleNotFoundError:
                continue  # an app without migrations
            for info in pkgutil.iter_modules(getattr(package, "__path__", [])):
                if info.ispkg or info.name[0] in "_~":
                    continue
                key = (app_config.label, info.name)
                found.add(key)
                replaces = _replaces(f"{module_name}.{info.name}")
                if replaces:
                    _squashes[key] = replaces
        _expected_migrations = found
    return _expected_migrations


def _replaces(module: str) -> set[tuple[str, str]]:
    """A migration's `replaces`, from its source when it has one (a literal, as
    `squashmigrations` writes it), else by importing it."""
    spec = importlib.util.find_spec(module)  # finds the file; does not import it
    origin = spec.origin if spec is not None else None
    if origin and origin.endswith(".py"):
        text = Path(origin).read_text(encoding="utf-8")
        if "replaces" not in text:
            return set()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "replaces" for t in node.targets
            ):
                try:
                    return {tuple(item) for item in ast.literal_eval(node.value)}
                except ValueError:
                    break  # not a literal: ask the module
    migration = importlib.import_module(module).Migration
    return {tuple(item) for item in getattr(migration, "replaces", None) or []}


def missing_migrations(applied: set[tuple[str, str]]) -> set[tuple[str, str]]:
    missing = set()
    for key in expected_migrations() - applied:
        if key in _squashes and _squashes[key] <= applied:
            continue  # the squash, applied as its parts
        if any(key in parts and squash in applied for squash, parts in _squashes.items()):
            continue  # a part of a squash applied whole
        missing.add(key)
    return missing


class ProbeFailed(Exception):
    """A driver's own error, carried out of the probe (the drivers are imported only when
    used: an embedded SQLite node never loads psycopg)."""

    def __init__(self, exc: BaseException) -> None:
        text = str(exc).splitlines()[0] if str(exc) else ""
        super().__init__(f"{type(exc).__name__}: {text}")


def _query_postgresql(sql: str, timeout: float) -> list[tuple[Any, ...]]:
    """A connection of its own with a connect and a statement timeout: the pool's
    connections wait up to 20 s for a slot, far longer than a probe may take."""
    import psycopg

    conn = connections["default"]
    params = conn.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params["connect_timeout"] = max(1, int(timeout))
    ms = int(timeout * 1000)
    params["options"] = f"{params.get('options', '')} -c statement_timeout={ms}".strip()
    try:
        with psycopg.connect(**params, autocommit=True) as raw, raw.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    except psycopg.Error as exc:  # refused, timed out, no such table...
        raise ProbeFailed(exc) from exc


def _query_sqlite(sql: str, timeout: float) -> list[tuple[Any, ...]]:
    name = str(connections["default"].settings_dict["NAME"])
    uri = name if name.startswith("file:") else f"file:{name}?mode=ro"
    try:
        raw = sqlite3.connect(uri, uri=True, timeout=timeout)
        try:
            return list(raw.execute(sql).fetchall())
        finally:
            raw.close()
    except sqlite3.Error as exc:  # no such file, locked, no such table...
        raise ProbeFailed(exc) from exc


def _query(sql: str) -> list[tuple[Any, ...]]:
    vendor = connections["default"].vendor
    runner: Callable[[str, float], list[tuple[Any, ...]]] = (
        _query_postgresql if vendor == "postgresql" else _query_sqlite
    )
    return runner(sql, _timeout())


def check_database() -> str | None:
    """None when the database answers and is migrated, else why not."""
    global _migrations_ok
    try:
        if _migrations_ok:
            _query("SELECT 1")
            return None
        applied = {(str(a), str(n)) for a, n in _query("SELECT app, name FROM django_migrations")}
    except ProbeFailed as exc:
        return f"database: {exc}"
    missing = missing_migrations(applied)
    if missing:
        return f"migrations: {len(missing)} not applied (e.g. {'.'.join(sorted(missing)[0])})"
    with _migrations_lock:
        _migrations_ok = True  # migrations are never un-applied under a running server
    return None


def check_channel_layer() -> str | None:
    """The Redis behind the channel layer and the cache answers a PING (in-memory: ok)."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    import redis

    timeout = _timeout()
    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError) as exc:  # down or timed out; a malformed URL
        return f"channel layer: {type(exc).__name__}: {exc}"
    return None


def readyz(request: HttpRequest) -> HttpResponse:
    started = time.monotonic()
    checks = {"database": check_database(), "channel_layer": check_channel_layer()}
    failed = {name: reason for name, reason in checks.items() if reason}
    for reason in failed.values():
        # The reason (hosts, ports, driver messages) goes to the log, not to the network.
        logger.warning("not ready: %s", reason)
    body: dict[str, Any] = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: ("fail" if reason else "ok") for name, reason in checks.items()},
        "took_ms": round((time.monotonic() - started) * 1000, 1),
    }
    response = _json(body, 503 if failed else 200)
    if failed:
        response["Retry-After"] = "5"
        response._has_been_logged = True  # type: ignore[attr-defined]  # logged above, once
    return response
