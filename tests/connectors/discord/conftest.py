"""Fixtures of the Discord channel's tests: a stand-in of Discord's REST API on loopback
(tests/support/platform_standin.py; the real Discord cannot be reached here), a Discord
inbox whose bot token it accepts, and the recorded gateway payloads (payloads/README.md)."""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from blockdesk.accounts.models import Account, User
from blockdesk.connectors.discord.models import DiscordChannel
from blockdesk.connectors.discord.services import do_create_discord_inbox
from tests.support.live_server import fresh_cache_namespace
from tests.support.platform_standin import Reply, Request, StandIn, running

PAYLOADS = Path(__file__).parent / "payloads"
BOT_TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"  # docs' sample shape
BOT_ID = "80351110224678912"
GUILD = "290926798626357999"
SUPPORT = "290926798999357250"  # the recorded message's channel
FORUM = "290926798999357251"  # the recorded thread's parent
STAFF_ROLE = "41771983423143936"
CUSTOMER = "53908099506183680"


def frame(name: str, **changes: Any) -> dict[str, Any]:
    """A recorded gateway frame; `changes` replace keys of its `d`."""
    data = json.loads((PAYLOADS / f"{name}.json").read_text())
    data.pop("_source")
    payload = copy.deepcopy(data)
    payload["d"].update(changes)
    return payload


def _multipart(request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Discord's upload form: `payload_json` and `files[n]` (parsed with the standard
    library's email parser, as a multipart/form-data body is MIME)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
    form = BytesParser(policy=HTTP).parsebytes(head + request.body)
    body: dict[str, Any] = {}
    files: list[dict[str, Any]] = []
    for part in form.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if name == "payload_json":
            body = json.loads(data)
        else:
            files.append(
                {
                    "field": name,
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "data": data,
                }
            )
    return body, files


class FakeDiscord:
    """The REST routes the channel calls, answered as Discord documents them."""

    def __init__(self) -> None:
        self.ids = itertools.count(900000000000000001)
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.nonces: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.uploads: dict[str, list[bytes]] = {}  # message id → the files' bytes
        self.can_delete = True

    def _id(self) -> str:
        return str(next(self.ids))

    def route(self, request: Request) -> Reply:
        path = request.path.removeprefix("/api/v10")
        parts = path.strip("/").split("/")
        if request.headers.get("authorization") not in (
            f"Bot {BOT_TOKEN}",
            None,
        ) and not path.startswith("/interactions/"):
            return Reply(401, {"message": "401: Unauthorized", "code": 0})
        if path == "/users/@me" and request.method == "GET":
            return Reply(
                200,
                {
                    "id": BOT_ID,
                    "username": "blockdesk-support",
                    "bot": True,
                    "discriminator": "0",
                    "global_name": None,
                },
            )
        if path == "/users/@me/channels" and request.method == "POST":
            recipient = request.json()["recipient_id"]
            return Reply(
                200, {"id": f"7{recipient[1:]}", "type": 1, "recipients": [{"id": recipient}]}
            )
        if parts[0] == "channels" and request.method == "POST" and parts[-1] == "messages":
            files: list[dict[str, Any]] = []
            if request.headers.get("content-type", "").startswith("multipart/form-data"):
                body, files = _multipart(request)
            else:
                body = request.json()
            nonce = body.get("nonce")
            if body.get("enforce_nonce") and nonce in self.nonces:
                return Reply(200, self.nonces[nonce])
            message = {
                "id": self._id(),
                "channel_id": parts[1],
                "content": body["content"],
                "author": {"id": BOT_ID, "bot": True},
                "type": 0,
                "attachments": [{k: v for k, v in f.items() if k != "data"} for f in files],
            }
            self.uploads[message["id"]] = [f["data"] for f in files]
            self.messages.setdefault(parts[1], []).append(message)
            if nonce:
                self.nonces[nonce] = message
            return Reply(200, message)
        if parts[0] == "channels" and request.method == "POST" and parts[-1] == "threads":
            body = request.json()
            thread = {
                "id": self._id(),
                "type": 11,
                "parent_id": parts[1],
                "name": body["name"],
                "guild_id": GUILD,
            }
            return Reply(201, thread)
        if parts[0] == "channels" and request.method == "DELETE":
            if not self.can_delete:
                return Reply(403, {"message": "Missing Permissions", "code": 50013})
            self.deleted.append(parts[3])
            return Reply(204)
        if parts[0] == "attachments" and request.method == "GET":  # the CDN
            return Reply(200, raw=b"tx 0xabc... stuck since 10:00\n")
        if parts[0] == "interactions" and request.method == "POST":
            return Reply(204)
        return Reply(404, {"message": "404: Not Found", "code": 0})


@pytest.fixture
def discord_api(settings: Any) -> Iterator[tuple[StandIn, FakeDiscord]]:
    fake = FakeDiscord()
    for standin in running(fake.route):
        settings.DISCORD_API_BASE = f"{standin.url}/api/v10"
        settings.DISCORD_API_TIMEOUT = 5
        settings.DISCORD_CDN_BASE = f"{standin.url}/attachments/"
        yield standin, fake


@pytest.fixture
def api(discord_api: tuple[StandIn, FakeDiscord]) -> StandIn:
    return discord_api[0]


@pytest.fixture
def fake(discord_api: tuple[StandIn, FakeDiscord]) -> FakeDiscord:
    return discord_api[1]


@pytest.fixture(autouse=True)
def _fresh_limits(settings: Any) -> None:
    fresh_cache_namespace(settings)


def make_inbox(account: Account, agent: User, **values: Any) -> DiscordChannel:
    defaults: dict[str, Any] = {
        "bot_token": BOT_TOKEN,
        "guild_id": GUILD,
        "support_channel_id": SUPPORT,
        "staff_role_ids": STAFF_ROLE,
    }
    defaults.update(values)
    return do_create_discord_inbox(account=account, name="Discord", members=[agent], **defaults)


@pytest.fixture
def discord_channel(account: Account, agent: User, api: StandIn) -> DiscordChannel:
    return make_inbox(account, agent)
