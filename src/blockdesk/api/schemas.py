"""Typed inputs and outputs of the REST API (they are what /api/docs shows).

Outputs are built from the plain dicts in conversations.serializers, so the API, the
real-time push and webhooks describe a conversation the same way."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any, Literal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from ninja import Field, Path, Schema
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, AwareDatetime, field_validator, model_validator
from pydantic_core import PydanticCustomError

# Ids are 64-bit (BigAutoField) on every database: a larger number can name no row and
# would overflow the query, so it is a validation error, like any out-of-range value.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

# --- errors -----------------------------------------------------------------------


class ErrorBody(Schema):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`.")
    message: str
    fields: dict[str, list[str]] | None = Field(
        None, description="Per-field messages for validation errors."
    )


class ErrorOut(Schema):
    error: ErrorBody


# Every failure has this shape, and every operation documents each status it can answer
# (the fuzz stage in tests/fuzz holds the API to it).
# 413: common.bodylimit refuses an over-large body whatever the method.
ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}
# With a JSON body: 400 when it is not JSON (or nests too deeply).
BODY_ERRORS: dict[int, Any] = {**ERRORS, 400: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**BODY_ERRORS, 409: ErrorOut}


# No database stores NUL in text (PostgreSQL refuses it), no encoder writes a lone
# surrogate (`"\ud800"` in JSON) and JSON has no infinity (`1e400`): each would fail at
# the database, as a 500.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _has_unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, float):  # 1e400 parses as inf, which JSON columns refuse
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_unstorable(k) or _has_unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_unstorable(v) for v in value)
    return False


class ApiIn(Schema):
    """Any input of the API (query or body): its text and numbers must be storable."""

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        if _has_unstorable(value):
            raise PydanticCustomError(
                "unstorable_text",
                str(_("Contains a character or number that cannot be stored.")),
            )
        return value


def _in_utc_range(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:  # e.g. 9999-12-31T23:59-23:00 is in the year 10000
        raise PydanticCustomError("datetime_range", str(_("This date is out of range."))) from exc


# An aware datetime, normalised to UTC (where the database keeps it).
Moment = Annotated[AwareDatetime, AfterValidator(_in_utc_range)]


class BodyIn(ApiIn):
    """A request body: must be a JSON object. (Ninja's Schema reads attributes from any
    object, so `[1,2,3]` would otherwise pass as an object with every field defaulted.)"""

    @model_validator(mode="before")
    @classmethod
    def _json_object(cls, data: Any) -> Any:
        # Schema's own validator has already wrapped the input for attribute access.
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict):
            raise PydanticCustomError("json_object", str(_("Must be a JSON object.")))
        return data


StatusName = Literal["open", "pending", "snoozed", "resolved"]
PriorityName = Literal["urgent", "high", "normal", "low"]
# web_visitor identities hold hashed widget tokens: never set or shown through the API.
# Every other ContactIdentity.Kind is here (tests/api/test_identity_kinds.py keeps them in step).
IdentityKind = Literal["email", "telegram", "discord", "x", "wallet", "external"]


def _idempotency_key() -> Any:
    return Field(
        None,
        min_length=1,
        max_length=64,
        description="Retries with the same key store the message once.",
    )


# --- contacts ---------------------------------------------------------------------


class IdentityIn(BodyIn):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=255)


class IdentityOut(Schema):
    kind: str
    value: str


class ContactOut(Schema):
    id: int
    name: str
    display_name: str
    email: str
    locale: str
    attributes: dict[str, Any]
    notes: str
    created_at: dt.datetime
    last_seen_at: dt.datetime | None
    identities: list[IdentityOut]


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class ContactQuery(ApiIn):
    q: str | None = Field(None, max_length=200, description="Name, email or identity value.")
    identity_kind: IdentityKind | None = None
    identity_value: str | None = Field(None, max_length=255)
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


class ContactCreateIn(BodyIn):
    name: str = Field("", max_length=160)
    email: str = Field("", max_length=254)
    locale: str = Field("", max_length=16)
    attributes: dict[str, Any] = Field(default_factory=dict)
    notes: str = Field("", max_length=10_000)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _says_who(self) -> ContactCreateIn:
        # An integration creates a contact for someone it knows; an empty one cannot be
        # found again and only clutters the list (the widget makes anonymous visitors itself).
        if not (
            self.name.strip()
            or self.email.strip()
            or self.identities
            or self.attributes
            or self.notes.strip()
        ):
            raise PydanticCustomError(
                "contact_empty", str(_("Give at least a name, an email or an identity."))
            )
        return self


class ContactUpdateIn(BodyIn):
    name: str | None = Field(None, max_length=160)
    email: str | None = Field(None, max_length=254)
    locale: str | None = Field(None, max_length=16)
    attributes: dict[str, Any] | None = Field(
        None, description="Merged into the stored attributes; a key set to null is removed."
    )
    notes: str | None = Field(None, max_length=10_000)


# --- conversations ----------------------------------------------------------------


class ConversationOut(Schema):
    id: int
    display_id: int = Field(description="The number agents see (#12), unique per account.")
    inbox_id: int
    contact_id: int
    contact_name: str
    subject: str
    status: StatusName
    snoozed_until: dt.datetime | None
    priority: PriorityName
    assignee_id: int | None
    assignee_name: str | None
    team_id: int | None
    tags: list[str]
    created_at: dt.datetime
    last_activity_at: dt.datetime
    first_response_at: dt.datetime | None
    first_human_response_at: dt.datetime | None = None
    first_bot_response_at: dt.datetime | None = None
    resolved_at: dt.datetime | None
    last_message_id: int
    channel: str | None = Field(
        None, description="The channel kind of the conversation's inbox (in lists and reads)."
    )


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class ConversationQuery(ApiIn):
    status: StatusName | None = None
    inbox_id: Id | None = None
    assignee_id: Id | None = None
    priority: PriorityName | None = None
    tag: str | None = Field(None, max_length=50)
    contact_id: Id | None = None
    q: str | None = Field(None, max_length=200, description="Contact, subject, content or #id.")
    channel: str | None = Field(
        None,
        max_length=32,
        description="Only conversations of one channel kind: web_widget, "
        "email, telegram, discord, x (the installed ones; another value answers 422).",
    )
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)


class ConversationCreateIn(BodyIn):
    inbox_id: Id
    contact_id: Id
    content: str = Field(max_length=settings.MESSAGE_MAX_LENGTH, description="First message.")
    subject: str = Field("", max_length=200)
    idempotency_key: str | None = _idempotency_key()


class ConversationUpdateIn(BodyIn):
    """Only the fields sent are changed. `assignee_id` and `team_id` accept null."""

    status: StatusName | None = None
    snoozed_until: Moment | None = Field(None, description="Required with `snoozed`.")
    assignee_id: Id | None = None
    team_id: Id | None = None
    priority: PriorityName | None = None
    tags: list[str] | None = Field(None, max_length=50)


# --- messages ---------------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class MessageOut(Schema):
    id: int
    conversation_id: int
    sender_type: Literal["contact", "agent", "assistant", "system"]
    sender_name: str
    sender_user_id: int | None
    content: str
    private: bool = Field(description="An internal note, never shown to the customer.")
    created_at: dt.datetime
    attachments: list[AttachmentOut]


class MessagePage(Schema):
    items: list[MessageOut]
    next_after_id: int | None = Field(description="Pass as `after_id` for the next page.")


class MessageQuery(ApiIn):
    after_id: int = Field(0, ge=0, le=MAX_ID, description="Only messages with a greater id.")
    limit: int = Field(100, ge=1, le=200)


class MessageCreateIn(BodyIn):
    sender: Literal["contact", "agent"] = Field(
        description="`contact`: the conversation's customer writes; `agent`: `agent_id` replies."
    )
    content: str = Field(max_length=settings.MESSAGE_MAX_LENGTH)
    agent_id: Id | None = Field(None, description="Required when `sender` is `agent`.")
    private: bool = Field(False, description="An internal note (agents only).")
    idempotency_key: str | None = _idempotency_key()


# --- inboxes and agents -----------------------------------------------------------


class InboxOut(Schema):
    id: int
    name: str
    channel_kind: str
    member_ids: list[int]
    default_team_id: int | None
    created_at: dt.datetime


class AgentOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: Literal["admin", "agent"]
    is_active: bool
    team_ids: list[int]


class ConversationCreatedOut(Schema):
    conversation: ConversationOut
    message: MessageOut
