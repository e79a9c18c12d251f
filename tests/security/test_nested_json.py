"""A small, deeply nested JSON body (100,000 levels, ~600 KB) once killed the whole server
(exit 139: py_ecc had raised the recursion limit, so json.loads overflowed the C stack).
Every endpoint that takes JSON from the network now refuses it in the one error shape, the
WebSockets refuse such a frame, and the recursion limit stays at the default."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from blockdesk.accounts.models import ApiToken
from blockdesk.accounts.services import do_create_api_token
from blockdesk.api.api import api
from blockdesk.asgi import application
from blockdesk.common.eth import DEFAULT_RECURSION_LIMIT, ensure_safe_recursion_limit
from tests.security.body_support import (  # noqa: F401  (fixtures, used by name)
    assert_error_shape,
    isolated_cache,
    visitor_fixture,
)
from tests.support.live_server import REPO
from tests.support.ws import WebsocketCommunicator

DEPTH = 100_000
NESTED = ('{"a":' * DEPTH + "1" + "}" * DEPTH).encode()  # ~600 KB
ORIGIN = (b"origin", b"http://testserver")


# --- the recursion limit ---------------------------------------------------------------------

IMPORTS_EVERYTHING = """
import sys
import django
import blockdesk.settings
django.setup()
after_setup = sys.getrecursionlimit()
import blockdesk.asgi, blockdesk.urls
import blockdesk.chain.siwe, blockdesk.wallet_auth.services, blockdesk.wallet_auth.views
import blockdesk.demo.devnet_node
from blockdesk.common.eth import Account, encode_defunct
# What py_ecc's limit was for: Blockdesk's use of it works at the default limit.
key = Account.create()
message = encode_defunct(text="example.com wants you to sign in")
signature = key.sign_message(message).signature
assert Account.recover_message(message, signature=signature) == key.address
print(after_setup, sys.getrecursionlimit())
"""


def test_no_import_leaves_the_recursion_limit_raised():
    # A fresh interpreter: this test process may have imported eth_account directly.
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_EVERYTHING],
        cwd=REPO,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "blockdesk.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    after_setup, after_imports = map(int, done.stdout.split()[-2:])
    assert after_setup == after_imports == DEFAULT_RECURSION_LIMIT == 1000


def test_a_raised_limit_is_put_back_at_start_up():
    before = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(100_000)
        assert ensure_safe_recursion_limit() == DEFAULT_RECURSION_LIMIT
        assert sys.getrecursionlimit() == DEFAULT_RECURSION_LIMIT
        sys.setrecursionlimit(3000)  # a modest raise is left alone
        assert ensure_safe_recursion_limit() == 3000
    finally:
        sys.setrecursionlimit(before)


# --- every JSON endpoint over HTTP -----------------------------------------------------------


def _patterns(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern), p


def _fill(route: str, values: dict[str, str]) -> str:
    path = "/" + route
    for name, value in values.items():
        for kind in ("str", "int", "path", "slug", "uuid"):
            path = path.replace(f"<{kind}:{name}>", value)
    assert "<" not in path, path
    return path


# CSRF-exempt pages that mail clients POST a form to (List-Unsubscribe-Post): no JSON.
FORM_POSTS = ("/subscriptions/unsubscribe/", "/learn/unsubscribe/", "/community/unsubscribe/")

# The widget-facing endpoints that read a JSON body: each must answer json_too_deep.
READS_JSON = {
    "/widget/api/{t}/session",
    "/widget/api/{t}/me",
    "/widget/api/{t}/messages",
    "/widget/api/{t}/conversations/{c}/followup",
    "/wallet/api/{t}/challenge",
    "/wallet/api/{t}/verify",
    "/verify/widget/{t}/anti-phishing-code",
    "/assistant/widget/{t}/quick-reply",
    "/widget/api/{t}/identity-link",  # a link token for another channel (docs/identity.md)
    "/telegram/widget/{t}/link",  # the Telegram /start deep link
}


@pytest.mark.django_db
def test_every_public_json_endpoint_refuses_the_nested_body(channel, visitor):
    conversation_id = visitor.send("hello").json()["conversation"]["id"]
    values = {
        "public_token": channel.public_token,
        "conversation_id": str(conversation_id),
        "rest": "anything",
        "inbox_id": "999999",  # the platform hooks (Discord, X): an unknown inbox, 404
        "token": "not-a-real-token",  # one-click unsubscribe (RFC 8058): a form POST
    }
    refused: set[str] = set()
    client = Client()
    public = [
        (route, p)
        for route, p in _patterns(get_resolver().url_patterns)
        if getattr(p.callback, "csrf_exempt", False) and not route.startswith("api/")
    ]
    assert len(public) >= len(READS_JSON)
    for route, _pattern in public:
        path = _fill(route, values)
        response = client.post(
            path,
            NESTED,
            content_type="application/json",
            headers={"Authorization": f"Bearer {visitor.token}"},
        )
        assert response.status_code < 500, (path, response.content[:300])
        if response.status_code == 400:
            assert_error_shape(response, 400, "json_too_deep")
            refused.add(
                path.replace(channel.public_token, "{t}").replace(f"/{conversation_id}/", "/{c}/")
            )
        elif path.startswith(FORM_POSTS):
            # A mail client's one-click POST is a form, not JSON: never parsed as JSON.
            assert response.status_code == 404, (path, response.status_code)
        else:  # an endpoint that does not read the body (GET-only, sign-out, unknown path)
            assert response["Content-Type"].startswith("application/json"), path
    assert refused == READS_JSON


@pytest.mark.django_db
def test_pages_with_forms_do_not_parse_json_at_all(client, agent):
    # Not JSON endpoints; a JSON body there is ignored by the form, never parsed.
    client.force_login(agent)
    values = {
        "language": "en",
        "category": "x",
        "slug": "x",
        "key": "x",
        "uid": str(uuid.uuid4()),
        "filename": "x",
        "signature": "x",
    }
    for route, p in _patterns(get_resolver().url_patterns):
        if route.startswith(("api/", "django-admin/", "i18n/", "accounts/logout")):
            continue
        if getattr(p.callback, "csrf_exempt", False):
            continue
        path = _fill(route, {**{n: "999999" for n in p.pattern.converters}, **values})
        response = client.post(path, NESTED, content_type="application/json")
        assert response.status_code < 500, (path, response.status_code)


def _rest_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("post", "put", "patch") and "requestBody" in operation:
                operations.append((method, path))
    return operations


@pytest.mark.django_db
def test_every_rest_api_body_refuses_the_nested_body(admin_user):
    _token, plain = do_create_api_token(
        actor=admin_user, name="nested", scopes=list(ApiToken.Scope.values)
    )
    operations = _rest_operations()
    assert {m for m, _p in operations} >= {"post", "patch"} and len(operations) >= 5
    client = Client()
    for method, path in operations:
        url = "".join("1" if part.startswith("{") else part for part in _split_params(path))
        response = getattr(client, method)(
            url,
            NESTED,
            content_type="application/json",
            headers={"Authorization": f"Bearer {plain}"},
        )
        assert_error_shape(response, 400, "json_too_deep")


def _split_params(path: str) -> list[str]:
    """ "/v1/x/{id}/y" -> ["/v1/x/", "{id}", "/y"]."""
    parts: list[str] = []
    rest = path
    while "{" in rest:
        head, _sep, tail = rest.partition("{")
        name, _sep, rest = tail.partition("}")
        parts += [head, "{" + name + "}"]
    return [*parts, rest]


@pytest.mark.django_db
def test_a_shallow_body_still_works_on_the_rest_api(admin_user):
    _token, plain = do_create_api_token(
        actor=admin_user, name="shallow", scopes=list(ApiToken.Scope.values)
    )
    response = Client().post(
        "/api/v1/contacts",
        json.dumps({"name": "Dana", "email": "dana@example.com"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {plain}"},
    )
    assert response.status_code == 201, response.content


# --- WebSockets ------------------------------------------------------------------------------


async def _refused(comm: WebsocketCommunicator, frame: str | bytes, code: str, close: int) -> None:
    if isinstance(frame, bytes):
        await comm.send_to(bytes_data=frame)
    else:
        await comm.send_to(text_data=frame)
    error = await comm.receive_json_from(timeout=5)
    assert error == {"type": "error", "code": code}
    closed = await comm.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": close}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("frame", "code", "close"),
    [
        ("[" * 30_000 + "]" * 30_000, "json_too_deep", 1007),
        ('{"a":' * 9_000 + "1" + "}" * 9_000, "json_too_deep", 1007),
        ("[" * 60_000, "invalid_json", 1007),
        (NESTED.decode(), "too_large", 1009),
        ("{not json", "invalid_json", 1007),
        ("x" * 70_000, "too_large", 1009),
        (b"\x00binary", "unsupported_frame", 1003),
    ],
)
async def test_the_visitor_socket_refuses_a_bad_frame_and_others_carry_on(
    channel, visitor, frame, code, close
):
    path = f"/ws/widget/{channel.public_token}/"
    comm = WebsocketCommunicator(application, path, [ORIGIN])
    assert (await comm.connect())[0]
    await _refused(comm, frame, code, close)
    await comm.disconnect()
    fresh = WebsocketCommunicator(application, path, [ORIGIN])
    assert (await fresh.connect())[0]
    await fresh.send_json_to({"type": "auth", "token": visitor.token})
    assert (await fresh.receive_json_from(timeout=5))["type"] == "ready"
    await fresh.send_json_to({"type": "ping"})
    assert await fresh.receive_json_from(timeout=5) == {"type": "pong"}
    await fresh.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_the_agent_socket_refuses_the_nested_frame(agent):
    from asgiref.sync import sync_to_async

    def cookie() -> str:
        client = Client()
        client.force_login(agent)
        return (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )

    headers = [ORIGIN, (b"cookie", (await sync_to_async(cookie)()).encode())]
    comm = WebsocketCommunicator(application, "/ws/agent/", headers)
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from(timeout=5))["type"] == "ready"
    await _refused(comm, "[" * 30_000 + "]" * 30_000, "json_too_deep", 1007)
    await comm.disconnect()


# --- other JSON that arrives from outside ----------------------------------------------------


@pytest.mark.django_db
def test_a_nested_pagination_cursor_is_a_validation_error(admin_user):
    import base64

    _token, plain = do_create_api_token(
        actor=admin_user, name="cursor", scopes=list(ApiToken.Scope.values)
    )
    cursor = base64.urlsafe_b64encode(b"[" * 3000 + b"]" * 3000).decode().rstrip("=")
    response = Client().get(
        "/api/v1/conversations", {"cursor": cursor}, headers={"Authorization": f"Bearer {plain}"}
    )
    assert_error_shape(response, 422, "validation_error")
    assert "cursor" in response.json()["error"]["fields"]


def test_a_nested_abi_is_a_form_error():
    from blockdesk.workspace.crypto_forms import AbiForm

    form = AbiForm(data={"name": "Vault", "abi": "[" * 20_000 + "]" * 20_000})
    assert not form.is_valid()
    assert "abi" in form.errors
