"""Loaded with `-p tests.xdist_worker` by scripts/run-tests.sh, before pytest-django reads the
settings: each pytest-xdist worker gets its own data directory (KB indexes, trained models,
mail, uploads) under the pass's BLOCKDESK_DATA_DIR, and its own Redis key prefix.

It rewrites the environment rather than the settings, so that servers and commands a test
starts as subprocesses inherit the worker's directory unchanged."""

from __future__ import annotations

import os
from pathlib import Path

_worker = os.environ.get("PYTEST_XDIST_WORKER")
_base = os.environ.get("BLOCKDESK_DATA_DIR")
if _worker and _base and not os.environ.get("BLOCKDESK_TEST_WORKER_DIR"):
    _dir = Path(_base) / _worker
    _dir.mkdir(parents=True, exist_ok=True)
    os.environ["BLOCKDESK_DATA_DIR"] = str(_dir)
    # Set once per worker: the marker keeps a re-import from nesting the directory.
    os.environ["BLOCKDESK_TEST_WORKER_DIR"] = str(_dir)
    prefix = os.environ.get("BLOCKDESK_REDIS_PREFIX", "blockdesk")
    os.environ["BLOCKDESK_REDIS_PREFIX"] = f"{prefix}-{_worker}"
