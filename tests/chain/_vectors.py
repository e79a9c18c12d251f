"""Access to the shared conformance vectors in ../shared/data (never copied into the repo).

Parametrised tests need the data at collection time, so when it is missing they get a single
MISSING case and call :func:`require` with it: outside CI that skips with a printed reason,
with CI=true it fails, so a broken checkout can never pass silently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
MISSING = "shared-data-missing"


def load(relative: str, base: Path | None = None) -> Any | None:
    path = (base or SHARED_DATA) / relative
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def missing(relative: str) -> None:
    """Skip (locally) or fail (CI) because ``relative`` is not under the shared data folder."""
    reason = f"shared test data not found: {SHARED_DATA / relative}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)")
    print(f"SKIP: {reason}")
    pytest.skip(reason)


def require(case: object, relative: str) -> None:
    if case == MISSING:
        missing(relative)


def cases(relative: str, build: Any) -> list[Any]:
    """``build(data)`` -> list of pytest params, or one MISSING case when the file is absent."""
    data = load(relative)
    if data is None:
        return [pytest.param(MISSING, id=MISSING)]
    built: list[Any] = build(data)
    return built
