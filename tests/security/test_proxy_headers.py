"""X-Forwarded-For is believed only when BLOCKDESK_TRUST_X_FORWARDED_FOR says so, by uvicorn
(`manage.py serve`) and by the rate limits alike."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.management import call_command

from blockdesk.common.management.commands import serve
from blockdesk.common.ratelimit import client_ip
from tests.support.live_server import live_server, migrate, server_env, temp_database

# --- client_ip ----------------------------------------------------------------------


def test_client_ip_ignores_forwarded_for_unless_trusted(settings):
    settings.TRUST_X_FORWARDED_FOR = False
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client_ip(meta) == "127.0.0.1"


def test_client_ip_takes_the_address_the_trusted_proxy_saw(settings):
    settings.TRUST_X_FORWARDED_FOR = True
    settings.FORWARDED_ALLOW_IPS = "127.0.0.1,10.0.0.0/8"
    # The client claims 1.2.3.4; our proxy appended the real peer: the right-most
    # untrusted address wins, as in uvicorn.
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9"}
    assert client_ip(meta) == "203.0.113.9"
    chain = {"REMOTE_ADDR": "10.1.1.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.2.2.2"}
    assert client_ip(chain) == "203.0.113.9"
    # A peer that is not a trusted proxy cannot speak for anyone else.
    direct = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client_ip(direct) == "198.51.100.7"
    assert client_ip({"REMOTE_ADDR": "127.0.0.1"}) == "127.0.0.1"


def test_client_ip_any_proxy(settings):
    settings.TRUST_X_FORWARDED_FOR = True
    settings.FORWARDED_ALLOW_IPS = "*"
    meta = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.1"}
    assert client_ip(meta) == "203.0.113.9"


# --- what serve hands uvicorn -------------------------------------------------------


@pytest.fixture
def uvicorn_calls(monkeypatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(serve.uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    return calls


def test_serve_passes_the_proxy_setting_to_uvicorn(uvicorn_calls, settings):
    settings.TRUST_X_FORWARDED_FOR = False
    call_command("serve", "--no-worker")
    assert uvicorn_calls[-1]["proxy_headers"] is False
    settings.TRUST_X_FORWARDED_FOR = True
    settings.FORWARDED_ALLOW_IPS = "10.0.0.5"
    call_command("serve", "--no-worker")
    assert uvicorn_calls[-1]["proxy_headers"] is True
    assert uvicorn_calls[-1]["forwarded_allow_ips"] == "10.0.0.5"


# --- a real server ------------------------------------------------------------------


def _login_attempts(base: str, forwarded: list[str]) -> list[int]:
    codes = []
    with httpx.Client(base_url=base, timeout=10) as http:
        page = http.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token is not None
        for n, xff in enumerate(forwarded):
            response = http.post(
                "/accounts/login/",
                data={
                    "csrfmiddlewaretoken": token.group(1),
                    "username": f"nobody{n}",
                    "password": "wrong",
                },
                headers={"X-Forwarded-For": xff},
            )
            codes.append(response.status_code)
    return codes


def _fresh_minute() -> None:
    # The per-address limit counts in fixed minutes: do not straddle one.
    if time.time() % 60 > 45:
        time.sleep(60 - time.time() % 60 + 0.1)


@pytest.mark.timeout(240)
def test_a_real_server_keys_the_login_limit_on_the_real_peer(tmp_path: Path):
    rotating = [f"203.0.113.{n}" for n in range(1, 6)]
    with temp_database(base_url=os.environ.get("DATABASE_URL"), directory=tmp_path) as db_url:
        env = server_env(
            database_url=db_url,
            data_dir=tmp_path / "data",
            extra={"BLOCKDESK_LOGIN_RATE_LIMIT": "3", "BLOCKDESK_ACCESS_LOG": "false"},
        )
        migrate(env)

        # Default: uvicorn leaves the client address alone, so rotating the header does
        # not buy more attempts (every request comes from the loopback peer).
        with live_server(env) as server:
            _fresh_minute()
            codes = _login_attempts(server.base_url, rotating)
        assert codes[:3] == [400, 400, 400] and set(codes[3:]) == {429}, codes

        # Trust on, for the loopback proxy: each forwarded client has its own allowance,
        # and one client repeating itself is limited.
        trusted = {
            **env,
            "BLOCKDESK_TRUST_X_FORWARDED_FOR": "true",
            "BLOCKDESK_FORWARDED_ALLOW_IPS": "127.0.0.1",
        }
        with live_server(trusted) as server:
            _fresh_minute()
            assert set(_login_attempts(server.base_url, rotating)) == {400}
            same = _login_attempts(server.base_url, ["198.51.100.1"] * 4)
        assert same == [400, 400, 400, 429], same
