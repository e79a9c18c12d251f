"""Event types of conversations, messages and contacts: the public contract webhooks send
(see docs/webhooks.md). Ids and the facts a receiver needs, never the console serializer,
and never a secret (a web visitor's token hash is not published)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type

Priority = Literal["urgent", "high", "normal", "low"]
Status = Literal["open", "pending", "snoozed", "resolved"]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConversationFacts(_Payload):
    id: int
    number: int = Field(description="The number agents see (#123), per account.")
    inbox_id: int
    contact_id: int
    status: Status
    snoozed_until: dt.datetime | None = None
    assignee_id: int | None = None
    team_id: int | None = None
    priority: Priority
    tags: list[str] = Field(default_factory=list)


class ConversationCreated(_Payload):
    conversation: ConversationFacts


class StatusChanged(_Payload):
    conversation: ConversationFacts
    old: Status
    new: Status
    snoozed_until: dt.datetime | None = Field(
        default=None, description="Set when the new status is snoozed: when it reopens."
    )


class Assigned(_Payload):
    conversation: ConversationFacts
    old_assignee_id: int | None
    new_assignee_id: int | None = Field(description="None: unassigned.")


class TeamChanged(_Payload):
    conversation: ConversationFacts
    old_team_id: int | None
    new_team_id: int | None


class PriorityChanged(_Payload):
    conversation: ConversationFacts
    old: Priority
    new: Priority


class TagsChanged(_Payload):
    conversation: ConversationFacts
    old: list[str]
    new: list[str]


class Sender(_Payload):
    kind: Literal["contact", "agent", "assistant", "system"]
    id: int | None = Field(description="Contact or agent id; None for assistant and system.")


class AttachmentFacts(_Payload):
    id: int
    filename: str
    content_type: str
    size: int


class MessageCreated(_Payload):
    id: int
    conversation_id: int
    inbox_id: int
    sender: Sender
    private: bool = Field(description="A note between agents: the customer never sees it.")
    content: str = Field(description="Secrets (seed phrases, keys) are already redacted.")
    attachments: list[AttachmentFacts] = Field(default_factory=list)
    created_at: dt.datetime


# "x": the X (Twitter) channel (connectors/x); a wider set of values, the version stays.
IdentityKind = Literal["web_visitor", "email", "telegram", "discord", "x", "wallet", "external"]
LinkProof = Literal["email_reply", "wallet_signature", "widget_link"]
MergeVia = Literal["wallet_sign_in", "proven_link", "agent"]
ContactSource = Literal["widget", "api", "wallet_sign_in", "import", "channel", "split"]


class ContactCreated(_Payload):
    contact_id: int
    source: ContactSource = Field(
        description="What created it: a new widget visitor, the REST API, a wallet "
        "sign-in that needed a profile of its own for the address, a first message "
        "through another channel (an email, a Telegram message), or an import (the demo "
        "data)."
    )


class IdentityLinked(_Payload):
    contact_id: int
    identity_id: int
    kind: IdentityKind
    value: str | None = Field(
        description="The email, Telegram id, wallet address… None for a web visitor, whose "
        "token is a secret (only its keyed hash is stored)."
    )
    previous_contact_id: int | None = Field(
        default=None,
        description="Set when an existing identity moved here from another contact (a "
        "browser that signed in with a wallet another contact owns).",
    )
    proof: LinkProof | None = Field(
        default=None,
        description="How the customer proved the identity is theirs, when it was linked "
        "automatically: an email that answered our mail, a wallet signature, or a link "
        "token from a signed-in widget redeemed on another channel (docs/identity.md).",
    )


class ContactMerged(_Payload):
    source_contact_id: int
    target_contact_id: int
    conversation_ids: list[int] = Field(description="Conversations moved to the target.")
    via: MergeVia = Field(
        default="wallet_sign_in",
        description="What merged them: a wallet sign-in (an anonymous browser), a proven "
        "link (a channel identity redeemed a widget's link token), or an agent.",
    )
    identity_ids: list[int] = Field(
        default_factory=list, description="Identities moved to the target."
    )


class ContactSplit(_Payload):
    source_contact_id: int
    new_contact_id: int
    identity_id: int
    kind: str = Field(description="The moved identity's kind (email, telegram, …).")
    conversation_ids: list[int] = Field(
        description="Conversations that came through the identity, moved with it."
    )


class ContactErased(_Payload):
    contact_id: int
    conversation_ids: list[int] = Field(
        description="The contact's conversations, deleted with their messages and "
        "attachments. Receivers holding copies should erase them too."
    )
    messages: int = Field(description="How many messages were deleted.")
    redacted_events: int = Field(
        description="How many events of the log about the contact, its conversations and "
        "messages lost their data (they are never delivered again)."
    )


for _name, _model, _description in (
    ("conversation.created", ConversationCreated, "A conversation was opened."),
    (
        "conversation.status_changed",
        StatusChanged,
        "A conversation moved to another status (snoozing included, with snoozed_until).",
    ),
    ("conversation.assigned", Assigned, "A conversation was assigned to an agent, or unassigned."),
    ("conversation.team_changed", TeamChanged, "A conversation moved to another team (or none)."),
    ("conversation.priority_changed", PriorityChanged, "A conversation's priority changed."),
    ("conversation.tags_changed", TagsChanged, "A conversation's tags changed."),
    (
        "message.created",
        MessageCreated,
        "A message was written: by the customer, an agent (reply or private note), the "
        "assistant or the system.",
    ),
    ("contact.created", ContactCreated, "A customer profile (contact) was created."),
    (
        "contact.identity_linked",
        IdentityLinked,
        "A contact gained a way to be recognised: a widget visitor, an email address, a "
        "wallet address, an external id…",
    ),
    (
        "contact.merged",
        ContactMerged,
        "Two customer profiles became one: an anonymous browser signed in with a wallet "
        "another profile owns, a channel identity was proven to be the customer's, or an "
        "agent merged them (`via`).",
    ),
    (
        "contact.erased",
        ContactErased,
        "A customer's data was erased at their request: the contact, its conversations, "
        "messages and attachments, and the data of the events about them.",
    ),
):
    register_event_type(name=_name, version=1, description=_description, payload=_model)

register_event_type(
    name="contact.split",
    version=1,
    description="An agent moved one identity of a customer profile, with the conversations "
    "that came through it, to a new profile.",
    payload=ContactSplit,
    label=gettext_lazy("Customer profile split"),
)
