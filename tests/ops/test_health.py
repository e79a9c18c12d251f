"""/healthz and /readyz: JSON, no session, no rate limit, real failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connections
from django.test import Client

from blockdesk.ops import health
from tests.support.live_server import free_port


def test_healthz_needs_no_database():
    # No `db` fixture: pytest-django would raise on any query.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_readyz_ok_on_a_migrated_database(settings):
    settings.REDIS_URL = settings.REDIS_URL  # whatever the pass uses: Redis or none
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "channel_layer": "ok"}


@pytest.mark.django_db
def test_readyz_is_not_rate_limited_and_sets_no_session():
    client = Client()
    for _ in range(60):
        response = client.get("/readyz")
        assert response.status_code == 200
    assert not client.cookies


@pytest.mark.django_db
def test_readyz_fails_on_unapplied_migrations(monkeypatch):
    monkeypatch.setattr(health, "_migrations_ok", False)
    expected = set(health.expected_migrations()) | {("ops", "9999_not_applied")}
    monkeypatch.setattr(health, "_expected_migrations", expected)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "fail"
    assert response["Retry-After"]


@pytest.mark.django_db
def test_readyz_fails_when_the_database_is_unreachable(monkeypatch):
    monkeypatch.setattr(health, "_migrations_ok", False)
    conn = connections["default"]
    if conn.vendor == "postgresql":
        # A port nobody listens on: connection refused, as with PostgreSQL down.
        monkeypatch.setitem(conn.settings_dict, "PORT", str(free_port()))
    else:
        monkeypatch.setitem(conn.settings_dict, "NAME", "/nonexistent-dir/blockdesk.sqlite3")
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": "fail", "channel_layer": "ok"}
    # The reason stays in the log: no host or driver message on the network.
    assert "refused" not in response.content.decode()


@pytest.mark.django_db
def test_readyz_fails_when_redis_is_unreachable(settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.OPS_READY_TIMEOUT = 0.5
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"] == "fail"


def test_a_squashed_migration_counts_as_applied_either_way(monkeypatch):
    squash, part1, part2, plain = ("a", "0001_squashed"), ("a", "0001"), ("a", "0002"), ("b", "1")
    monkeypatch.setattr(health, "_expected_migrations", {squash, part1, part2, plain})
    monkeypatch.setattr(health, "_squashes", {squash: {part1, part2}})
    assert health.missing_migrations({part1, part2, plain}) == set()  # applied as its parts
    assert health.missing_migrations({squash, plain}) == set()  # applied whole
    assert health.missing_migrations({part1, plain}) == {squash, part2}


def test_expected_migrations_are_the_loaders_without_importing_them():
    """The probe finds the same migrations (and squashes) as Django's loader, in a fresh
    process that then holds no migration module: a web worker answering /readyz keeps
    them out of its memory."""
    script = (
        "import json, sys, django; django.setup()\n"
        "from blockdesk.ops import health\n"
        "found = sorted(health.expected_migrations())\n"
        "squashes = {'/'.join(k): sorted(v) for k, v in health._squashes.items()}\n"
        "imported = [m for m in sys.modules if '.migrations.' in m"
        " and m.rsplit('.', 1)[1][:1].isdigit()]\n"
        "from django.db.migrations.loader import MigrationLoader\n"
        "loader = MigrationLoader(None, ignore_no_migrations=True)\n"
        "expected = sorted(loader.disk_migrations)\n"
        "replaces = {'/'.join(k): sorted(tuple(p) for p in m.replaces)"
        " for k, m in loader.disk_migrations.items() if getattr(m, 'replaces', None)}\n"
        "print(json.dumps([found == expected, squashes == replaces, imported, len(found)]))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "blockdesk.settings"}
    env.setdefault("BLOCKDESK_SECRET_KEY", "test-" + "x" * 40)
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    same, same_squashes, imported, count = json.loads(out.stdout.strip().splitlines()[-1])
    assert same and same_squashes and count > 100
    assert imported == []
