"""Every environment variable the settings read is documented in .env.example."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support import live_server

ROOT = Path(__file__).resolve().parents[1]


def test_env_example_documents_every_variable():
    settings_src = (ROOT / "src" / "blockdesk" / "settings.py").read_text()
    used = set(re.findall(r'env(?:_bool|_list)?\(\s*"([A-Z0-9_]+)"', settings_src))
    # Variables read straight from the environment elsewhere in the code count too.
    for path in (ROOT / "src" / "blockdesk").rglob("*.py"):
        used |= set(re.findall(r'os\.environ\.get\(\s*"(BLOCKDESK_[A-Z0-9_]+)"', path.read_text()))
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert used, "no variables found: the pattern is wrong"
    assert used - documented == set()


def test_embedded_database_is_sqlite_in_wal_mode(tmp_path):
    """Without DATABASE_URL the data directory's SQLite file is opened in WAL mode, and the
    secret key is made there, readable by its owner only."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["BLOCKDESK_DATA_DIR"] = str(tmp_path)
    db_file = tmp_path / "blockdesk.sqlite3"
    # A migrated database in rollback-journal mode: `migrate` then has nothing to apply (a
    # fresh migrate costs ~30 s of CPU, and the suite's template build is one already) and
    # only the settings' connection can switch it to WAL.
    template = live_server.migrated_template(
        live_server.server_env(database_url="sqlite:///", data_dir=tmp_path / "template")
    )
    with sqlite3.connect(template) as source, sqlite3.connect(db_file) as copy:
        source.backup(copy)
        assert copy.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    command = [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"]
    subprocess.run(command, env=env, check=True, timeout=600)
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_a_test_run_never_uses_the_developers_data_directory() -> None:
    from django.conf import settings

    project_var = Path(__file__).resolve().parents[1] / "var"
    assert Path(settings.DATA_DIR).resolve() != project_var.resolve()
    assert not Path(settings.MEDIA_ROOT).resolve().is_relative_to(project_var.resolve())


def _setting(name: str, tmp_path: Path, **environ: str) -> str:
    """A setting as a fresh process reads it from this environment."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(BLOCKDESK_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), **environ)
    code = f"from blockdesk import settings; print(settings.{name})"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, timeout=120, capture_output=True
    )
    return done.stdout.decode().strip()


def test_background_work_sits_in_a_worker_on_sqlite_and_in_its_own_process_on_postgresql(
    tmp_path,
):
    pg = "postgres://blockdesk@127.0.0.1:5432/blockdesk"  # only parsed, never connected
    assert _setting("BACKGROUND_IN_WORKER", tmp_path) == "True"
    assert _setting("BACKGROUND_IN_WORKER", tmp_path, DATABASE_URL=pg) == "False"
    # Left empty, as .env.example lists it: the default, not "false".
    empty = {"BLOCKDESK_BACKGROUND_IN_WORKER": ""}
    assert _setting("BACKGROUND_IN_WORKER", tmp_path, **empty) == "True"
    forced = {"BLOCKDESK_BACKGROUND_IN_WORKER": "false"}
    assert _setting("BACKGROUND_IN_WORKER", tmp_path, **forced) == "False"
