"""`manage.py serve` can leave out uvicorn's per-request access log (CPU under load)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from blockdesk.common.management.commands import serve


@pytest.fixture
def uvicorn_calls(monkeypatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(serve.uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    return calls


@pytest.mark.parametrize(
    ("setting", "flag", "expected"),
    [(True, False, True), (True, True, False), (False, False, False)],
)
def test_access_log_follows_the_setting_and_the_flag(
    uvicorn_calls, settings, setting, flag, expected
):
    settings.ACCESS_LOG = setting
    call_command("serve", "--no-worker", *(["--no-access-log"] if flag else []))
    assert uvicorn_calls[-1]["access_log"] is expected
