"""Fixtures of the X channel's tests: a stand-in of the X API v2 on loopback
(tests/support/platform_standin.py; the real API cannot be reached here) answering with
the documented example payloads (payloads/README.md), and X inboxes."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blockdesk.accounts.models import Account, User
from blockdesk.connectors.x.models import XChannel
from blockdesk.connectors.x.services import do_create_x_inbox
from tests.support.live_server import fresh_cache_namespace
from tests.support.platform_standin import Reply, Request, StandIn, running

PAYLOADS = Path(__file__).parent / "payloads"
ACCESS = "access-token-1"
OWN_ID = "2244994945"  # @XDevelopers in X's examples


def payload(name: str) -> dict[str, Any]:
    data = json.loads((PAYLOADS / f"{name}.json").read_text())
    data.pop("_source")
    return data


def _multipart(request: Request) -> dict[str, Any]:
    """A multipart/form-data body (MIME, parsed with the standard library)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    form = BytesParser(policy=HTTP).parsebytes(head + request.body)
    fields: dict[str, Any] = {}
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        fields[str(name)] = (part.get_filename(), data) if part.get_filename() else data.decode()
    return fields


class FakeX:
    def __init__(self) -> None:
        self.ids = itertools.count(1500000000000000001)
        self.valid_tokens = {ACCESS}
        self.mentions: dict[str, Any] = {"meta": {"result_count": 0}}
        self.dm_events: dict[str, Any] = {"meta": {"result_count": 0}}
        self.posts: list[dict[str, Any]] = []
        self.dms: list[dict[str, Any]] = []
        self.media: dict[str, dict[str, Any]] = {}  # media id → the upload's form and bytes
        # The media host (pbs.twimg.com in X's payloads, here under /media-host/): path →
        # (content type, bytes). It takes no token, as X's CDN.
        self.files: dict[str, tuple[str, bytes]] = {}
        self.media_failures: list[Reply] = []  # each answers one media request first

    def route(self, request: Request) -> Reply:
        if request.path.startswith("/media-host/"):
            if self.media_failures:
                return self.media_failures.pop(0)
            found = self.files.get(request.path.removeprefix("/media-host"))
            if found is None:
                return Reply(404, raw=b"not found", headers={"Content-Type": "text/plain"})
            return Reply(200, raw=found[1], headers={"Content-Type": found[0]})
        if request.path == "/2/oauth2/token":
            form = request.body.decode()
            if "refresh_token=refresh-1" not in form:
                return Reply(400, {"error": "invalid_request"})
            self.valid_tokens.add("access-token-2")
            return Reply(
                200,
                {
                    "token_type": "bearer",
                    "access_token": "access-token-2",
                    "refresh_token": "refresh-2",
                    "expires_in": 7200,
                },
            )
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.valid_tokens:
            return Reply(
                401,
                {
                    "title": "Unauthorized",
                    "type": "about:blank",
                    "status": 401,
                    "detail": "Unauthorized",
                },
            )
        if request.path == "/2/users/me":
            return Reply(
                200, {"data": {"id": OWN_ID, "name": "Developers", "username": "XDevelopers"}}
            )
        if request.path == f"/2/users/{OWN_ID}/mentions":
            return Reply(200, self.mentions)
        if request.path == "/2/dm_events":
            return Reply(200, self.dm_events)
        if request.path == "/2/media/upload" and request.method == "POST":
            media_id = str(next(self.ids))
            self.media[media_id] = _multipart(request)
            return Reply(
                200,
                {"data": {"id": media_id, "media_key": f"3_{media_id}", "size": 1,
                          "expires_after_secs": 86400}},
            )  # fmt: skip
        if request.path.startswith("/2/dm_conversations/with/") and request.method == "POST":
            participant = request.path.split("/")[4]
            event_id = str(next(self.ids))
            body = request.json()
            if not body.get("text") and not body.get("attachments"):
                return Reply(400, {"title": "Invalid Request", "status": 400})
            self.dms.append({"to": participant, "text": body.get("text", ""), "id": event_id,
                             "attachments": body.get("attachments", [])})  # fmt: skip
            return Reply(
                201,
                {
                    "data": {
                        "dm_conversation_id": f"{OWN_ID}-{participant}",
                        "dm_event_id": event_id,
                    }
                },
            )
        if request.path == "/2/tweets" and request.method == "POST":
            body = request.json()
            post_id = str(next(self.ids))
            self.posts.append({"id": post_id, **body})
            return Reply(201, {"data": {"id": post_id, "text": body.get("text", "")}})
        return Reply(404, {"title": "Not Found Error", "status": 404})


@pytest.fixture
def x_api(settings: Any) -> Iterator[tuple[StandIn, FakeX]]:
    fake = FakeX()
    for standin in running(fake.route):
        settings.X_API_BASE = standin.url
        settings.X_API_ALLOW_PRIVATE = True  # the stand-in is on loopback
        settings.X_API_TIMEOUT = 5
        yield standin, fake


@pytest.fixture
def api(x_api: tuple[StandIn, FakeX]) -> StandIn:
    return x_api[0]


@pytest.fixture
def fake(x_api: tuple[StandIn, FakeX]) -> FakeX:
    return x_api[1]


@pytest.fixture(autouse=True)
def _fresh_limits(settings: Any) -> None:
    fresh_cache_namespace(settings)


def make_inbox(account: Account, agent: User, **values: Any) -> XChannel:
    defaults: dict[str, Any] = {
        "enabled": True,
        "access_token": ACCESS,
        "client_id": "cid",
        "refresh_token": "refresh-1",
    }
    defaults.update(values)
    return do_create_x_inbox(account=account, name="X", members=[agent], **defaults)


@pytest.fixture
def x_channel(account: Account, agent: User, api: StandIn) -> XChannel:
    return make_inbox(account, agent)


def fresh(data: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(data)
