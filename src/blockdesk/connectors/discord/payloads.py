"""Discord's gateway (and interaction webhook) payloads as plain data: no database, no
network, so each shape is tested with the payloads of Discord's developer docs
(tests/connectors/discord/payloads/). The gateway client (gateway.py) only hands the raw
dispatches here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Channel types (Discord docs, resources/channel#channel-object-channel-types).
DM_TYPE = 1
THREAD_TYPES = frozenset({10, 11, 12})  # announcement, public, private thread
# Interaction types and the callback types we answer with.
PING, APPLICATION_COMMAND = 1, 2
PONG, CHANNEL_MESSAGE = 1, 4
EPHEMERAL = 1 << 6
SUPPORT_COMMAND = "support"
LINK_COMMAND = "link"  # `/link token:<token>` from the widget's "Continue on Discord"


@dataclass(frozen=True)
class Author:
    id: str
    username: str
    display_name: str
    bot: bool
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Attachment:
    url: str
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class IncomingMessage:
    """MESSAGE_CREATE. `guild_id` empty: a direct message."""

    id: str
    channel_id: str
    guild_id: str
    author: Author
    content: str
    attachments: tuple[Attachment, ...] = ()

    @property
    def is_dm(self) -> bool:
        return not self.guild_id


@dataclass(frozen=True)
class ThreadCreated:
    """THREAD_CREATE: a thread (or a forum post) and the channel it hangs off."""

    id: str
    parent_id: str
    guild_id: str
    owner_id: str
    name: str


@dataclass(frozen=True)
class Interaction:
    """INTERACTION_CREATE (gateway) or the interactions endpoint's POST body."""

    id: str
    type: int
    token: str
    application_id: str
    guild_id: str
    channel_id: str
    command: str
    author: Author | None
    options: dict[str, Any] = field(default_factory=dict)


def _author(user: dict[str, Any] | None, member: dict[str, Any] | None) -> Author | None:
    if not isinstance(user, dict) or not user.get("id"):
        return None
    roles = (member or {}).get("roles") or []
    name = (member or {}).get("nick") or user.get("global_name") or user.get("username") or ""
    return Author(
        id=str(user["id"]),  # some older examples carry ids as numbers
        username=str(user.get("username") or ""),
        display_name=str(name),
        bot=bool(user.get("bot")),
        roles=frozenset(str(r) for r in roles),
    )


def parse_message(data: dict[str, Any]) -> IncomingMessage | None:
    author = _author(data.get("author"), data.get("member"))
    if author is None or not data.get("id") or not data.get("channel_id"):
        return None
    if data.get("webhook_id"):
        return None  # a webhook's post is nobody's question
    attachments = tuple(
        Attachment(
            url=str(a.get("url") or ""),
            filename=str(a.get("filename") or "file"),
            content_type=str(a.get("content_type") or "application/octet-stream"),
            size=int(a.get("size") or 0),
        )
        for a in data.get("attachments") or []
        if isinstance(a, dict) and a.get("url")
    )
    return IncomingMessage(
        id=str(data["id"]),
        channel_id=str(data["channel_id"]),
        guild_id=str(data.get("guild_id") or ""),
        author=author,
        content=str(data.get("content") or ""),
        attachments=attachments,
    )


def parse_thread(data: dict[str, Any]) -> ThreadCreated | None:
    if data.get("type") not in THREAD_TYPES or not data.get("id") or not data.get("parent_id"):
        return None
    return ThreadCreated(
        id=str(data["id"]),
        parent_id=str(data["parent_id"]),
        guild_id=str(data.get("guild_id") or ""),
        owner_id=str(data.get("owner_id") or ""),
        name=str(data.get("name") or ""),
    )


def _flatten_options(options: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for option in options or []:
        if not isinstance(option, dict):
            continue
        if "options" in option:  # a subcommand: its own options
            out.update(_flatten_options(option.get("options") or []))
        elif "name" in option:
            out[str(option["name"])] = option.get("value")
    return out


def parse_interaction(data: dict[str, Any]) -> Interaction | None:
    if not data.get("id") or "type" not in data:
        return None
    member = data.get("member")
    user = (member or {}).get("user") if isinstance(member, dict) else data.get("user")
    body = data.get("data") or {}
    return Interaction(
        id=str(data["id"]),
        type=int(data["type"]),
        token=str(data.get("token") or ""),
        application_id=str(data.get("application_id") or ""),
        guild_id=str(data.get("guild_id") or ""),
        channel_id=str(data.get("channel_id") or (data.get("channel") or {}).get("id") or ""),
        command=str(body.get("name") or ""),
        author=_author(user, member if isinstance(member, dict) else None),
        options=_flatten_options(body.get("options") or []),
    )


def parse_dispatch(
    event_type: str, data: Any
) -> IncomingMessage | ThreadCreated | Interaction | None:
    """A gateway dispatch (op 0) we handle, normalised; None for every other event."""
    if not isinstance(data, dict):
        return None
    if event_type == "MESSAGE_CREATE":
        return parse_message(data)
    if event_type == "THREAD_CREATE":
        return parse_thread(data)
    if event_type == "INTERACTION_CREATE":
        return parse_interaction(data)
    return None
