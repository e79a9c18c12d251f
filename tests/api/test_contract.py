"""The REST API keeps its contract at the edges: every id is bounded (a number past 64 bits
is a 422, not a database overflow), a body must be a JSON object, every failure answers in
the one error shape, and the OpenAPI documents every error status an operation can answer."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from blockdesk.api import selectors as api_selectors
from blockdesk.conversations import services
from blockdesk.conversations.models import Contact, Conversation
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

V1 = "/api/v1"
TOO_BIG = str(2**64)  # past BigAutoField's 2**63 - 1: names no row, overflows SQL
METHODS = ("get", "post", "patch", "put", "delete")


@pytest.fixture
def conversation(channel, contact) -> Conversation:
    return services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="help"
    ).message.conversation


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    return Client().get("/api/openapi.json").json()


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def _is_integer(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(o.get("type") == "integer" for o in options)


def _body_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    body = op.get("requestBody")
    if body is None:
        return None
    ref = body["content"]["application/json"]["schema"]["$ref"]
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]]


def _send(api, method: str, path: str, *, params=None, body: Any = None) -> Any:
    headers = api._headers()
    if method == "get":
        return api.client.get(path, params or {}, headers=headers)
    fn = getattr(api.client, method)
    data = json.dumps({} if body is None else body)
    return fn(path, data, content_type="application/json", headers=headers)


def _id_cases(doc: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) for every integer id the API takes."""
    cases = []
    for path, method, op in _operations(doc):
        for param in op.get("parameters", []):
            if param["name"].endswith("_id") and _is_integer(param["schema"]):
                cases.append((method, path, param["in"], param["name"]))
        schema = _body_schema(doc, op)
        for name, prop in (schema or {}).get("properties", {}).items():
            if name.endswith("_id") and _is_integer(prop):
                cases.append((method, path, "body", name))
    return cases


def test_every_id_parameter_is_bounded(api, openapi):
    cases = _id_cases(openapi)
    # The ids the issue names, so a change in the docs cannot hollow this test out.
    names = {(path, where, name) for _m, path, where, name in cases}
    for query_id in ("inbox_id", "contact_id", "assignee_id"):
        assert (f"{V1}/conversations", "query", query_id) in names
    assert (f"{V1}/conversations/{{conversation_id}}", "path", "conversation_id") in names
    assert (f"{V1}/conversations", "body", "inbox_id") in names
    assert len(cases) >= 20
    for method, path, where, name in cases:
        # Ids start at 1; after_id ("messages after this one") may be 0.
        for bad in (TOO_BIG, "-1") if name == "after_id" else (TOO_BIG, "0", "-1"):
            url, params, body = path, None, None
            if where == "path":
                url = path.replace(f"{{{name}}}", bad)
            # Other path ids get a harmless in-range value; validation reports all fields.
            url = url.replace("{", "").replace("}", "")
            for other in ("conversation_id", "contact_id", "inbox_id", "agent_id", "channel_id"):
                url = url.replace(other, "1")
            if where == "query":
                params = {name: bad}
                url = f"{url}?{name}={bad}" if method != "get" else url
            if where == "body":
                body = {name: int(bad)}
            response = _send(api, method, url, params=params, body=body)
            error = assert_error(response, 422, "validation_error")
            assert name in error["fields"], (method, path, name, error)


def test_overflowing_filters_of_the_issue_are_422_json(api):
    for name in ("inbox_id", "contact_id", "assignee_id"):
        response = api.get(f"{V1}/conversations", {name: "99999999999999999999"})
        assert response["Content-Type"].startswith("application/json")
        assert assert_error(response, 422, "validation_error")["fields"] == {
            name: ["Input should be less than or equal to 9223372036854775807"]
        }


@pytest.mark.parametrize("body", [[1, 2, 3], "name", 42, None, True])
def test_a_body_that_is_not_an_object_is_422_and_creates_nothing(api, body):
    before = Contact.objects.count()
    error = assert_error(api.post(f"{V1}/contacts", body), 422, "validation_error")
    assert Contact.objects.count() == before
    assert error["message"]


def test_every_body_must_be_an_object(api, openapi, contact, channel):
    ids = {"contact_id": contact.pk, "conversation_id": 1, "channel_id": 1}
    sent = 0
    for path, method, op in _operations(openapi):
        if "requestBody" not in op:
            continue
        url = path
        for name, value in ids.items():
            url = url.replace(f"{{{name}}}", str(value))
        fn = getattr(api.client, method)
        response = fn(url, "[1,2,3]", content_type="application/json", headers=api._headers())
        assert_error(response, 422, "validation_error")
        sent += 1
    assert sent >= 8


def test_the_openapi_documents_every_error_status(openapi):
    error_ref = "#/components/schemas/ErrorOut"
    seen = 0
    for path, method, op in _operations(openapi):
        documented = op["responses"]
        expected = {"413", "422"}  # 413: an over-large body, whatever the method
        if op.get("security"):
            expected |= {"401", "403"}
        if "{" in path or method != "get":
            expected.add("404")
        if "requestBody" in op:
            expected.add("400")
        if path == f"{V1}/trust/check":
            expected |= {"404", "429"}
        assert expected <= set(documented), (method, path, expected - set(documented))
        for status, response in documented.items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": error_ref}, (method, path, status)
        assert any(s.startswith("2") for s in documented), (method, path)
        seen += 1
    assert seen >= 20


def test_bad_cursors_and_numeric_searches_are_no_server_errors(api):
    for cursor in ("²", "1" * 30, "-1", "abc"):
        assert_error(api.get(f"{V1}/contacts", {"cursor": cursor}), 422, "validation_error")
    for pair in (
        ["not a date", 1],
        ["2026-13-40T00:00:00+00:00", 1],
        ["2026-01-01T00:00:00+00:00", 2**70],
    ):
        cursor = base64.urlsafe_b64encode(json.dumps(pair).encode()).decode().rstrip("=")
        response = api.get(f"{V1}/conversations", {"cursor": cursor})
        assert_error(response, 422, "validation_error")
    for q in ("#99999999999999999999", "²", "#٣"):
        assert api.get(f"{V1}/conversations", {"q": q}).status_code == 200
    assert api.get(f"{V1}/conversations/1/messages", {"after_id": TOO_BIG}).status_code == 422


def test_a_known_path_with_another_method_is_405_json(api):
    response = api.client.put(
        f"{V1}/contacts", "{}", content_type="application/json", headers=api._headers()
    )
    assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_an_unexpected_error_is_a_logged_json_500(api, monkeypatch, caplog):
    def broken(**_kwargs: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(api_selectors, "list_inboxes", broken)
    with caplog.at_level(logging.ERROR, logger="blockdesk.api.api"):
        response = api.get(f"{V1}/inboxes")
    assert_error(response, 500, "server_error")
    assert "bug" not in response.content.decode()
    assert any(r.exc_info and "bug" in str(r.exc_info[1]) for r in caplog.records)


@pytest.mark.parametrize(
    ("method", "path", "data", "field"),
    [
        ("get", "/conversations", {"q": "a\x00b"}, "q"),
        ("get", "/conversations", {"tag": "a\x00b"}, "tag"),
        ("get", "/contacts", {"q": "a\x00b"}, "q"),
        ("get", "/contacts", {"identity_value": "a\x00b", "identity_kind": "email"}, None),
        ("post", "/contacts", {"name": "a\x00b"}, "name"),
        ("post", "/contacts", {"notes": "\ud800"}, "notes"),
        ("post", "/contacts", {"attributes": {"k": ["a\x00b"]}}, "attributes"),
        ("post", "/contacts", {"attributes": {"k\x00": 1}}, "attributes"),
        ("post", "/trust/channels", {"kind": "domain", "value": "ok.com", "label": "a\x00"}, None),
    ],
)
def test_text_no_database_can_store_is_422(api, method, path, data, field):
    """NUL (refused by PostgreSQL) and lone surrogates (unencodable) were 500s."""
    before = Contact.objects.count()
    error = assert_error(getattr(api, method)(f"{V1}{path}", data), 422, "validation_error")
    assert field is None or field in error["fields"]
    assert Contact.objects.count() == before


def test_a_snooze_time_past_the_calendar_is_422(api, conversation):
    for until in ("9999-12-31T23:59:59-23:00", "0001-01-01T00:00:00+23:00"):
        body = {"status": "snoozed", "snoozed_until": until}
        response = api.patch(f"{V1}/conversations/{conversation.pk}", body)
        assert "snoozed_until" in assert_error(response, 422, "validation_error")["fields"]


def test_a_number_json_columns_cannot_hold_is_422(api):
    """1e400 parses as infinity, which no JSON column stores (it was a 500 on PostgreSQL)."""
    before = Contact.objects.count()
    response = api.client.post(
        f"{V1}/contacts",
        '{"attributes": {"k": [1e400]}}',
        content_type="application/json",
        headers=api._headers(),
    )
    assert "attributes" in assert_error(response, 422, "validation_error")["fields"]
    assert Contact.objects.count() == before


def test_a_django_validation_error_from_below_is_a_422(api, monkeypatch):
    def invalid(**_kwargs: Any) -> Any:
        raise ValidationError({"name": ["Too odd."]})

    monkeypatch.setattr(api_selectors, "list_inboxes", invalid)
    error = assert_error(api.get(f"{V1}/inboxes"), 422, "validation_error")
    assert error["fields"] == {"name": ["Too odd."]}
