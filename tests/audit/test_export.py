"""The audit log's CSV export: streamed, the page's filter, BOM, formula injection guarded."""

from __future__ import annotations

import csv
import io

import pytest
from asgiref.sync import async_to_sync
from django.http import StreamingHttpResponse
from django.test import Client

from blockdesk.accounts.models import Account, ApiToken, User
from blockdesk.audit import export
from blockdesk.common.csvcells import guard_cell
from blockdesk.events.registry import Actor, Subject
from tests.audit.conftest import EXPORT_URL, record, token_payload, two_factor

pytestmark = pytest.mark.django_db


def _body(response: StreamingHttpResponse) -> bytes:
    async def collect() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])  # type: ignore[union-attr]

    return async_to_sync(collect)()


def _rows(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith(b"\xef\xbb\xbf")  # the UTF-8 BOM: Excel then reads it as UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (None, ""),
        (42, "42"),
    ],
)
def test_guard_cell(value: object, expected: str) -> None:
    assert guard_cell(value) == expected


def test_export_has_bom_header_rows_and_guards_formulas(
    account: Account, other_account: Account, admin_user: User, admin_client: Client
) -> None:
    token = ApiToken.objects.create(
        account=account, name='=HYPERLINK("http://x")', prefix="bd_q", token_hash="h", scopes=[]
    )
    chinese = record(
        account,
        "api_token.created",
        token_payload(token.pk, name="客服机器人令牌"),
        actor=Actor.agent(admin_user.pk),
        subject=Subject("api_token", token.pk),
    )
    injected = record(
        account,
        "api_token.revoked",
        token_payload(token.pk, name="@SUM(1+1)"),
        actor=Actor.api_token(token.pk),
        subject=Subject("api_token", token.pk),
    )
    plain = two_factor(account)
    two_factor(other_account)

    response = admin_client.get(EXPORT_URL)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    assert response["Cache-Control"] == "no-store"
    raw = _body(response)
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert header == ",".join(export.HEADER)
    rows = _rows(raw)
    assert [int(r["id"]) for r in rows] == [plain.pk, injected.pk, chinese.pk]
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[chinese.pk]["actor"] == "root"
    assert "客服机器人令牌" in by_id[chinese.pk]["detail"]
    assert by_id[chinese.pk]["security_relevant"] == "yes"
    assert by_id[injected.pk]["actor"] == '\'=HYPERLINK("http://x") (bd_q…)'
    assert by_id[injected.pk]["detail"].startswith("'@SUM(1+1)")
    assert by_id[injected.pk]["event"] == "api_token.revoked"
    assert by_id[injected.pk]["event_label"] == "API token revoked"
    assert by_id[plain.pk]["actor"] == "System"
    assert by_id[plain.pk]["object_type"] == "account"
    assert by_id[plain.pk]["object_id"] == str(account.pk)


def test_export_follows_the_filter_across_chunks_and_is_bounded(
    account: Account, other_account: Account, admin_client: Client, monkeypatch
) -> None:
    monkeypatch.setattr(export, "CHUNK", 3)
    ids = [two_factor(account).pk for _ in range(8)]
    record(account, "webhook.created", {"webhook_id": 1, "host": "h", "events": [], "active": True})
    two_factor(other_account)
    rows = _rows(
        _body(admin_client.get(EXPORT_URL, {"event": "account.two_factor_requirement_changed"}))
    )
    assert [int(r["id"]) for r in rows] == ids[::-1]
    # The page cursor is not part of the export's filter.
    rows = _rows(
        _body(
            admin_client.get(
                EXPORT_URL, {"event": "account.two_factor_requirement_changed", "before": ids[2]}
            )
        )
    )
    assert len(rows) == 8
    monkeypatch.setattr(export, "MAX_ROWS", 5)
    rows = _rows(_body(admin_client.get(EXPORT_URL)))
    assert len(rows) == 5


def test_export_in_chinese_keeps_the_bom_and_translates_the_label(
    account: Account, admin_client: Client
) -> None:
    two_factor(account, actor=Actor.agent(987654))
    response = admin_client.get(EXPORT_URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = _rows(_body(response))
    # "Agent" has a zh-Hans translation already: the unresolved actor reads 客服 #id.
    assert rows[0]["actor"] == "客服 #987654"


@pytest.mark.django_db(transaction=True)
async def test_export_streams_through_the_async_stack(
    account: Account, admin_user: User, monkeypatch
) -> None:
    """As under uvicorn: the view runs in a worker thread, the body is an async iterator
    whose chunks query the database from the request's sync thread."""
    from asgiref.sync import sync_to_async
    from django.db import connections
    from django.test import AsyncClient

    monkeypatch.setattr(export, "CHUNK", 2)
    try:
        ids = [(await sync_to_async(two_factor)(account)).pk for _ in range(5)]
        client = AsyncClient()
        await client.aforce_login(admin_user)
        response = await client.get(EXPORT_URL)
        assert response.status_code == 200 and response.is_async
        raw = b"".join([chunk async for chunk in response.streaming_content])
    finally:
        # The worker thread's connection, else PostgreSQL cannot drop the test database.
        await sync_to_async(connections.close_all)()
    assert [int(r["id"]) for r in _rows(raw)] == ids[::-1]
