"""Test databases made from one migrated template instead of migrating each.

`manage.py migrate` of the whole project costs ~25 s of CPU, and on a loaded machine a
pytest-xdist worker spent over a minute in it (once it passed pytest-timeout's 180 s and
every database test of that worker failed). tests/support/live_server.migrated_template
builds a migrated database once per set of migrations (shared with the live-server
tests); each test process then starts from a copy:

- PostgreSQL: Django creates the test database with `TEMPLATE` (TEST.TEMPLATE).
- SQLite: the in-memory test database is filled from the template file with SQLite's
  backup API before Django's `migrate` runs.

Django's `migrate` still runs afterwards and finds nothing to apply, so a migration added
since the template was built would still be applied (the template's name is a digest of
the migrations, so it would not be stale anyway)."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.backends.sqlite3.creation import DatabaseCreation as SQLiteCreation

_original_create = SQLiteCreation._create_test_db
# The in-memory database lives while a connection holds it: this one, until the process ends.
_holders: list[sqlite3.Connection] = []
_sqlite_template: list[str] = []


def _template(database_url: str) -> str:
    from tests.support import live_server

    with tempfile.TemporaryDirectory() as data_dir:
        env = live_server.server_env(database_url=database_url, data_dir=Path(data_dir))
        return live_server.migrated_template(env)


def _create_from_template(
    self: SQLiteCreation, verbosity: int, autoclobber: bool, keepdb: bool = False
) -> Any:
    name = _original_create(self, verbosity, autoclobber, keepdb)
    if _sqlite_template and self.is_in_memory_db(name):
        memory = sqlite3.connect(name, uri=True, check_same_thread=False)
        with sqlite3.connect(_sqlite_template[0]) as source:
            source.backup(memory)
        _holders.append(memory)
    return name


def use_migrated_template() -> None:
    """Called once per test process, before the test database is created."""
    database = settings.DATABASES["default"]
    url = os.environ.get("DATABASE_URL", "")
    if database["ENGINE"].endswith(("postgresql", "postgresql_backend")) and url:
        template = _template(url)
        database.setdefault("TEST", {})["TEMPLATE"] = template.rsplit("/", 1)[-1]
    elif database["ENGINE"].endswith(("sqlite3", "sqlite_backend")):
        with tempfile.TemporaryDirectory() as scratch:
            _sqlite_template[:] = [_template(f"sqlite:///{Path(scratch) / 'db.sqlite3'}")]
        SQLiteCreation._create_test_db = _create_from_template  # type: ignore[method-assign]
