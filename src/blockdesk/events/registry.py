"""Typed events: every event name has one current version and a pydantic model for its
payload. Apps declare theirs in `<app>/event_types.py` (imported at start-up); the JSON
Schema of each is the public contract webhooks send."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from pydantic import BaseModel, ValidationError

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Security-relevant event families (who may sign in, with which rights, where customer data
# goes, which chains and official channels are trusted): the audit log's "security" filter,
# and the purge keeps them for BLOCKDESK_AUDIT_RETENTION_DAYS. By prefix, so a new type of
# these families (and an old event whose type is gone) is covered without a flag.
SECURITY_NAME_PREFIXES: tuple[str, ...] = (
    "account.",
    "agent.",
    "api_token.",
    "webhook.",
    "chain.",
    "official_channel.",
    "trust.",
    # Which peers' knowledge and scam reports are trusted, and a feed that stopped verifying.
    "scam.",
    "peering.key_rotated",
    "peering.subscri",
    # An erasure deletes a customer's data for good: who did it stays on the audit log.
    "contact.erased",
)


def is_security_relevant(name: str) -> bool:
    return name.startswith(SECURITY_NAME_PREFIXES)


class UnknownEventType(LookupError):
    """emit() or json_schema() got a name nobody registered (a programming error)."""


class InvalidEventPayload(ValueError):
    """The payload does not match the event type's model (a programming error)."""

    def __init__(self, name: str, error: ValidationError | str) -> None:
        super().__init__(f"invalid payload for event {name!r}: {error}")
        self.name = name


@dataclass(frozen=True)
class Actor:
    """Who caused the change. kind is one of events.models.ActorKind's values."""

    kind: str
    id: int | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls("system")

    @classmethod
    def agent(cls, user_id: int) -> Actor:
        return cls("agent", user_id)

    @classmethod
    def contact(cls, contact_id: int) -> Actor:
        return cls("contact", contact_id)

    @classmethod
    def api_token(cls, token_id: int) -> Actor:
        return cls("api_token", token_id)

    @classmethod
    def assistant(cls) -> Actor:
        return cls("assistant")


@dataclass(frozen=True)
class Subject:
    """What changed: ("conversation", 42)."""

    type: str
    id: int | None = None


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    description: str
    payload: type[BaseModel]
    # False: internal (records, analytics); webhooks cannot subscribe to it.
    public: bool = True
    # A short translatable name for people (the audit log); None: the description is shown.
    label: str | Promise | None = None

    @property
    def display_label(self) -> str:
        return str(self.label or self.description)

    def dump(self, payload: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
        """The payload as stored and sent: validated, in JSON types."""
        if isinstance(payload, BaseModel):
            if not isinstance(payload, self.payload):
                raise InvalidEventPayload(
                    self.name,
                    f"expected {self.payload.__name__}, got {type(payload).__name__}",
                )
            return payload.model_dump(mode="json")
        try:
            return self.payload.model_validate(payload).model_dump(mode="json")
        except ValidationError as exc:
            raise InvalidEventPayload(self.name, exc) from exc


_TYPES: dict[str, EventType] = {}


def register_event_type(
    *,
    name: str,
    version: int,
    description: str,
    payload: type[BaseModel],
    public: bool = True,
    label: str | Promise | None = None,
) -> EventType:
    if not NAME_RE.match(name):
        raise ImproperlyConfigured(f"event name {name!r} is not like 'conversation.created'")
    if version < 1:
        raise ImproperlyConfigured(f"event {name!r}: version must be >= 1")
    event_type = EventType(
        name=name,
        version=version,
        description=description,
        payload=payload,
        public=public,
        label=label,
    )
    existing = _TYPES.get(name)
    if existing is not None and existing != event_type:
        raise ImproperlyConfigured(f"event type {name!r} is registered twice, differently")
    _TYPES[name] = event_type
    return event_type


def unregister_event_type(name: str) -> None:
    """For tests."""
    _TYPES.pop(name, None)


def get_event_type(name: str) -> EventType:
    try:
        return _TYPES[name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {name!r}: register it first") from None


def event_types() -> list[EventType]:
    return sorted(_TYPES.values(), key=lambda t: t.name)


def envelope_schema() -> dict[str, Any]:
    """What every event looks like on the wire, whatever its name (see services.envelope)."""
    return {
        "type": "object",
        "required": [
            "id",
            "name",
            "version",
            "occurred_at",
            "account_id",
            "actor",
            "subject",
            "data",
        ],
        "properties": {
            "id": {"type": "integer", "description": "Unique and increasing: de-duplicate on it."},
            "name": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "occurred_at": {"type": "string", "format": "date-time"},
            "account_id": {"type": "integer"},
            "actor": {
                "type": "object",
                "required": ["kind", "id"],
                "properties": {
                    "kind": {"enum": ["agent", "contact", "api_token", "assistant", "system"]},
                    "id": {"type": ["integer", "null"]},
                },
            },
            "subject": {
                "type": "object",
                "required": ["type", "id"],
                "properties": {
                    "type": {"type": "string"},
                    "id": {"type": ["integer", "null"]},
                },
            },
            "data": {"type": "object"},
        },
    }


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one event as sent (envelope with this type's payload as data)."""
    event_type = get_event_type(name)
    schema = envelope_schema()
    data = event_type.payload.model_json_schema()
    defs = data.pop("$defs", None)
    properties = dict(schema["properties"])
    properties["name"] = {"const": event_type.name}
    properties["version"] = {"const": event_type.version}
    properties["data"] = data
    schema = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"blockdesk:event:{event_type.name}:v{event_type.version}",
        "title": event_type.name,
        "description": event_type.description,
        **schema,
        "properties": properties,
    }
    if defs:
        schema["$defs"] = defs
    return schema


def all_schemas() -> dict[str, dict[str, Any]]:
    return {t.name: json_schema(t.name) for t in event_types()}
