"""Helpers shared by the safety tests. Plain functions, so the tests also run without
pytest-django (`pytest tests/safety -p no:django --noconftest`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"


def shared_file(relative: str) -> Path:
    """Path of a shared data file; skip the test (fail in CI) if it is missing."""
    path = SHARED_DATA / relative
    if not path.exists():
        reason = f"shared data missing: {path}"
        if IN_CI:
            pytest.fail(f"required in CI: {reason}")
        print(reason)
        pytest.skip(reason)
    return path


def load_json(relative: str) -> Any:
    return json.loads(shared_file(relative).read_text(encoding="utf-8"))


def load_json_or_empty(relative: str) -> Any:
    """For parametrisation at collection time: None when missing (a sentinel test then
    skips or fails with the reason)."""
    path = SHARED_DATA / relative
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def ensure_django() -> None:
    """Translations need configured settings and a ready app registry. Under
    pytest-django the project settings are already in place; otherwise configure the
    minimum."""
    import django
    from django.apps import apps
    from django.conf import settings

    if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
        settings.configure(
            USE_I18N=True,
            LANGUAGE_CODE="en",
            LANGUAGES=[("en", "English"), ("zh-hans", "Simplified Chinese")],
            INSTALLED_APPS=[],
        )
    if not apps.ready:
        django.setup()
