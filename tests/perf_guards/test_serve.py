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


@pytest.fixture
def exec_calls(monkeypatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def record(argv: list[str]) -> None:
        calls.append(argv)
        raise SystemExit(0)  # exec never returns

    monkeypatch.setattr(serve, "exec_supervisor", record)
    monkeypatch.setattr(serve.uvicorn, "run", lambda app, **kwargs: pytest.fail("not here"))
    return calls


def test_several_workers_hand_over_to_the_light_supervisor(exec_calls, settings):
    """`--workers N` becomes `python -m blockdesk.common.supervisor` with what it needs of
    the settings: no Django in the process that stays (docs/deploy.md)."""
    settings.RUN_EMBEDDED_WORKER = True
    settings.ACCESS_LOG = False
    settings.TRUST_X_FORWARDED_FOR = True
    settings.FORWARDED_ALLOW_IPS = "10.0.0.1"
    with pytest.raises(SystemExit):
        call_command("serve", "--workers", "3", "--port", "8123")
    argv = exec_calls[-1]
    assert argv[1:3] == ["-m", "blockdesk.common.supervisor"]
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--port") + 1] == "8123"
    assert argv[argv.index("--forwarded-allow-ips") + 1] == "10.0.0.1"
    assert "--background" in argv and "--proxy-headers" in argv
    assert "--access-log" not in argv

    settings.TRUST_X_FORWARDED_FOR = False
    with pytest.raises(SystemExit):
        call_command("serve", "--workers", "2", "--no-worker")
    assert "--background" not in exec_calls[-1] and "--proxy-headers" not in exec_calls[-1]


def test_the_supervisor_parses_what_serve_passes():
    from blockdesk.common import supervisor

    args = supervisor.parse_args(
        ["--workers", "3", "--port", "8123", "--background", "--access-log", "--proxy-headers"]
    )
    assert (args.workers, args.port, args.background, args.access_log, args.proxy_headers) == (
        3,
        8123,
        True,
        True,
        True,
    )
    assert supervisor.background_command()[-1] == "serve_background"


def test_websocket_compression_follows_the_setting(uvicorn_calls, settings):
    """Off by default (BLOCKDESK_WS_COMPRESSION): one process, and the supervisor's flag."""
    from blockdesk.common import supervisor

    call_command("serve", "--no-worker")
    assert uvicorn_calls[-1]["ws_per_message_deflate"] is False
    assert supervisor.parse_args([]).ws_compression is False
    settings.WS_COMPRESSION = True
    call_command("serve", "--no-worker")
    assert uvicorn_calls[-1]["ws_per_message_deflate"] is True
    argv = serve.supervisor_argv(
        {"host": "127.0.0.1", "port": 8000, "workers": 2}, background=False, access_log=False
    )
    assert supervisor.parse_args(argv[3:]).ws_compression is True
