"""Query strings never reach the logs: public pages take what a customer typed there
(`/verify/?value=`, `/help/<lang>/search/?q=`), and that may be a seed phrase."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from blockdesk.common.logfilters import LOGGERS, DropQueryStrings, strip_query
from tests.security.secrets_support import KEY, SEED_12, WIF
from tests.support.live_server import live_server, migrate, server_env, sqlite_url


def _encoded(*values: str) -> list[str]:
    return [form for value in values for form in {value, quote(value), quote_plus(value)}]


def test_strip_query_keeps_the_path() -> None:
    assert strip_query("/verify/?value=a+b") == "/verify/"
    assert strip_query('GET /help/en/search/?q=x%20y HTTP/1.1" 200') == (
        'GET /help/en/search/ HTTP/1.1" 200'
    )
    assert strip_query("/healthz") == "/healthz"


def test_a_real_uvicorn_access_record_loses_its_query_string() -> None:
    """The record uvicorn's h11 protocol logs, through uvicorn's own formatter, on the
    logger the app set up (the filter is attached when Django starts)."""
    logger = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, DropQueryStrings) for f in logger.filters)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    logger.addHandler(handler)
    old_level, logger.level = logger.level, logging.INFO
    try:
        path = "/verify/?value=" + quote_plus(SEED_12)
        logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5555", "GET", path, "1.1", 200)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    line = stream.getvalue()
    assert '"GET /verify/ HTTP/1.1" 200' in line
    assert not any(form in line for form in _encoded(SEED_12))


@pytest.mark.parametrize("name", LOGGERS)
def test_every_request_logger_has_the_filter(name: str) -> None:
    assert any(isinstance(f, DropQueryStrings) for f in logging.getLogger(name).filters)


def test_a_real_server_logs_no_query_strings(tmp_path: Path) -> None:
    """`manage.py serve` with its access log on: the request lines are there, the
    values typed into the query string are not."""
    env = server_env(
        database_url=sqlite_url(tmp_path / "db.sqlite3"),
        data_dir=tmp_path / "data",
        extra={"BLOCKDESK_ACCESS_LOG": "true", "BLOCKDESK_LOG_LEVEL": "DEBUG"},
    )
    migrate(env)
    secrets = (SEED_12, f"my private key is {KEY}", WIF)
    with live_server(env) as server:
        for secret in secrets:
            httpx.get(server.url("/verify/"), params={"value": secret}, timeout=10)
            httpx.get(server.url("/help/en/search/"), params={"q": secret}, timeout=10)
            httpx.get(server.url("/no-such-page/"), params={"q": secret}, timeout=10)  # 404
    log = server.log()
    assert '"GET /verify/ HTTP/1.1"' in log, log[-2000:]  # the access log is on
    assert '"GET /help/en/search/ HTTP/1.1"' in log
    for form in _encoded(*secrets, KEY, " ".join(SEED_12.split()[:4])):
        assert form not in log, f"leaked: {form[:12]}…"
