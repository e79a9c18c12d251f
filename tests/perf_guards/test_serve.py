"""`manage.py serve` can leave out uvicorn's per-request access log (CPU under load)."""

from __future__ import annotations

import io
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
    settings.BACKGROUND_IN_WORKER = False
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
    assert "--background-in-worker" not in argv and "--access-log" not in argv

    # The background work in a worker's threads instead of a child (BLOCKDESK_BACKGROUND_
    # IN_WORKER, the default on SQLite).
    settings.BACKGROUND_IN_WORKER = True
    with pytest.raises(SystemExit):
        call_command("serve", "--workers", "2")
    assert "--background-in-worker" in exec_calls[-1] and "--background" not in exec_calls[-1]

    settings.TRUST_X_FORWARDED_FOR = False
    settings.REDIS_URL = ""
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("serve", "--workers", "2", "--no-worker", stderr=err)
    assert "without REDIS_URL" in err.getvalue()  # live updates would not cross workers
    argv = exec_calls[-1]
    assert not {"--background", "--background-in-worker", "--proxy-headers"} & set(argv)


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
    assert supervisor.parse_args(["--background-in-worker"]).background_in_worker
    # The supervisor names the lock under the variable the workers read (a copy there:
    # the supervisor imports nothing of Django's side).
    from blockdesk.common import background

    assert supervisor.LOCK_ENV == background.LOCK_ENV
    with pytest.raises(SystemExit):  # one place or the other
        supervisor.parse_args(["--background", "--background-in-worker"])


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
