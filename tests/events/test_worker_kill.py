"""A worker killed in the middle of a delivery loses nothing: the next run hands the
event out again, and the derived table ends with exactly one effect per event."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.live_server import REPO, migrate, run_django, server_env, temp_database

pytestmark = pytest.mark.slow

SEED = """
from django.db import transaction
from blockdesk.accounts.models import Account
from tests.events import support
support.register_types()
account = Account.objects.create(name="Kill test")
print(",".join(map(str, support.emit_pings(account.pk, 3))))
"""

REPORT = """
import json
from blockdesk.events.models import ConsumerCursor, ConsumerRetry
from tests.events import support
print(json.dumps([support.effects(), ConsumerCursor.objects.get(name="kill.test").position_id,
      ConsumerRetry.objects.count()]))
"""


def _worker(env: dict[str, str], mode: str, marker: Path, *, once: bool) -> int:
    code = (
        "import django\ndjango.setup()\nfrom tests.events import killable\n"
        f"killable.main(mode={mode!r}, marker={str(marker)!r}, once={once})\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, timeout=120, capture_output=True
    )
    return done.returncode


@pytest.mark.parametrize("mode", ["transactional", "at_least_once"])
def test_a_worker_killed_mid_delivery_loses_nothing(tmp_path: Path, mode: str) -> None:
    with temp_database(base_url=os.environ.get("DATABASE_URL"), directory=tmp_path) as url:
        env = server_env(database_url=url, data_dir=tmp_path / "data")
        migrate(env)
        ids = [int(i) for i in run_django(env, SEED).strip().split(",")]
        marker = tmp_path / "killed"
        # `events run` (forever) dies of SIGKILL on event n=1.
        assert _worker(env, mode, marker, once=False) == -9
        assert marker.exists()
        time.sleep(1.5)  # the dead worker's lease (1 s here) lapses
        # PostgreSQL holds events back while any older write transaction in the cluster
        # runs (another test's), so a pass may hand out nothing yet: run until done.
        deadline = time.monotonic() + 90
        while True:
            assert _worker(env, mode, marker, once=True) == 0
            effects, position, retries = json.loads(run_django(env, REPORT))
            if position == ids[-1] or time.monotonic() > deadline:
                break
        assert effects == ids  # each event's effect exactly once, none lost
        assert position == ids[-1]
        assert retries == 0
