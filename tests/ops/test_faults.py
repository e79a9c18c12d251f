"""Database faults answer 503 with Retry-After (507 for a full SQLite disk), never an
HTML 500, and the service resumes by itself."""

from __future__ import annotations

import json
import os
import time

import httpx
import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory

from blockdesk.accounts.services import do_create_api_token
from blockdesk.conversations.models import Message
from blockdesk.ops import faults
from tests.conftest import only_in_postgresql_pass, require_or_skip
from tests.support.live_server import (
    free_port,
    live_server,
    migrate,
    run_django,
    server_env,
    sqlite_url,
    temp_database,
)

V1 = "/api/v1"


def test_a_redis_outage_is_a_503_too():
    from redis.exceptions import ConnectionError as RedisConnectionError

    factory = RequestFactory()
    down = RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    assert faults.is_outage(down) and not faults.is_database_outage(down)
    widget = faults.fault_response(factory.post("/widget/api/t/messages"), down)
    assert widget.status_code == 503 and widget["Retry-After"] == "5"
    assert json.loads(widget.content)["error"]["code"] == "service_unavailable"
    assert not faults.is_outage(ValueError("a bug stays a 500"))


def test_fault_response_shapes():
    factory = RequestFactory()
    api = faults.fault_response(factory.get("/api/v1/conversations"), OperationalError("boom"))
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert json.loads(api.content)["error"]["code"] == "database_unavailable"
    page = faults.fault_response(factory.get("/app/"), OperationalError("server closed"))
    assert page.status_code == 503 and page["Content-Type"].startswith("text/plain")
    full = faults.fault_response(
        factory.get("/api/v1/x"), OperationalError("database or disk is full")
    )
    assert full.status_code == 507
    assert json.loads(full.content)["error"]["code"] == "storage_full"


@pytest.mark.django_db(transaction=True)
def test_sqlite_disk_full_is_a_clear_error_and_no_corruption(admin_user, channel, contact):
    """SQLite's `max_page_count` stands in for a full disk (a tiny tmpfs needs root)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only: the embedded mode's disk")
    _token, plain = do_create_api_token(
        actor=admin_user, name="ops", scopes=["conversations:write", "conversations:read"]
    )
    client = Client(headers={"Authorization": f"Bearer {plain}"})
    first = client.post(
        f"{V1}/conversations",
        {"inbox_id": channel.inbox.pk, "contact_id": contact.pk, "content": "hello"},
        content_type="application/json",
    )
    assert first.status_code == 201, first.content
    url = f"{V1}/conversations/{first.json()['conversation']['id']}/messages"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages}")
    stored = 1
    failure = None
    try:
        for i in range(400):
            body = {"sender": "contact", "content": f"{i} " + "the deposit has not arrived " * 140}
            response = client.post(url, body, content_type="application/json")
            if response.status_code != 201:
                failure = response
                break
            stored += 1
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA max_page_count = 1073741823")
    assert failure is not None, "the database never filled up"
    assert failure.status_code == 507, failure.content
    assert failure.json()["error"]["code"] == "storage_full"
    assert failure["Retry-After"]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        assert cursor.fetchone()[0] == "ok"
    # Every answered write is there, the refused one is not, and writes work again.
    assert Message.objects.count() == stored
    again = client.post(
        url, {"sender": "contact", "content": "space again"}, content_type="application/json"
    )
    assert again.status_code == 201


@pytest.mark.slow
@pytest.mark.embedded_only  # each case names its own unreachable database
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_unreachable_database_answers_503_not_500(kind, tmp_path):
    if kind == "postgresql":
        url = f"postgres://postgres@127.0.0.1:{free_port()}/nowhere"  # connection refused
    else:
        url = sqlite_url(tmp_path / "no-such-dir" / "db.sqlite3")  # unable to open
    # The pool waits this long for a connection before giving up (default 20 s).
    env = server_env(
        database_url=url, data_dir=tmp_path / "data", extra={"BLOCKDESK_DB_POOL_TIMEOUT": "2"}
    )
    with live_server(env, timeout=120) as server:
        assert httpx.get(server.url("/healthz")).status_code == 200
        ready = httpx.get(server.url("/readyz"))
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "fail"
        api = httpx.get(
            server.url(f"{V1}/conversations"),
            timeout=15,
            headers={"Authorization": "Bearer bd_whatever"},
        )
        assert api.status_code == 503, api.text
        assert api.json()["error"]["code"] == "database_unavailable"
        assert api.headers["Retry-After"] == "5"
        # The signed-in user is read by a middleware, before any view: handler500's path.
        page = httpx.get(
            server.url("/app/"), timeout=15, headers={"Cookie": "sessionid=" + "x" * 32}
        )
        assert page.status_code == 503, page.text[:300]
        assert page.headers["content-type"].startswith("text/plain")
        assert "Traceback" not in page.text and "<html" not in page.text.lower()
        assert page.headers["Retry-After"] == "5"
        help_page = httpx.get(server.url("/help/"), follow_redirects=True, timeout=15)
        assert help_page.status_code == 503


SEED = """
from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent, do_create_api_token
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations.models import Contact
account = Account.objects.create(name="Ops")
admin = do_create_agent(account=account, username="admin", email="a@example.com",
                        password="correct-horse-battery-9", role=User.Role.ADMIN)
channel = do_create_web_widget_inbox(account=account, name="Site", members=[admin])
contact = Contact.objects.create(account=account, name="Carol")
_t, plain = do_create_api_token(actor=admin, name="ops",
                                scopes=["conversations:read", "conversations:write"])
import json
print(json.dumps({"token": plain, "inbox": channel.inbox.pk, "contact": contact.pk}))
"""


@pytest.mark.slow
@pytest.mark.postgres
def test_postgresql_connections_cut_then_service_resumes(tmp_path):
    """pg_terminate_backend on every connection of the server (what a PostgreSQL restart
    does to them): no 500, nothing committed lost, and service back by itself."""
    only_in_postgresql_pass()
    import psycopg

    base = os.environ.get("DATABASE_URL", "")
    require_or_skip(base.startswith("postgres"), "needs DATABASE_URL=postgres://…")
    with temp_database(base_url=base) as url:
        env = server_env(database_url=url, data_dir=tmp_path / "data")
        migrate(env)
        seed = json.loads(run_django(env, SEED).strip().splitlines()[-1])
        headers = {"Authorization": f"Bearer {seed['token']}"}
        with live_server(env, timeout=120) as server:
            made = httpx.post(
                server.url(f"{V1}/conversations"),
                json={"inbox_id": seed["inbox"], "contact_id": seed["contact"], "content": "hi"},
                headers=headers,
            )
            assert made.status_code == 201, made.text
            msg_url = server.url(f"{V1}/conversations/{made.json()['conversation']['id']}/messages")
            sent = 1
            for i in range(5):
                r = httpx.post(
                    msg_url, json={"sender": "contact", "content": f"m{i}"}, headers=headers
                )
                assert r.status_code == 201
                sent += 1
            name = url.rsplit("/", 1)[1]
            admin_url = url.rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(admin_url, autocommit=True) as admin:
                cut = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                ).fetchone()[0]
            assert cut >= 1
            statuses = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                r = httpx.post(
                    msg_url, json={"sender": "contact", "content": "after"}, headers=headers
                )
                statuses.append(r.status_code)
                if r.status_code == 201:
                    sent += 1
                if statuses[-3:] == [201, 201, 201]:
                    break
                if r.status_code == 503:
                    assert r.headers["Retry-After"]
                time.sleep(0.1)
            assert 500 not in statuses, statuses
            assert statuses[-3:] == [201, 201, 201], statuses
            listed = httpx.get(msg_url, headers=headers, params={"limit": 100})
            assert listed.status_code == 200
            assert len(listed.json()["items"]) == sent
