"""What the widget (and the visitor's socket) may show: the core's public views, with
attachment links the visitor can open (signed, not the agent URL) and timeline entries
stripped to what a customer should see."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from blockdesk.conversations.channel_registry import channel_label
from blockdesk.conversations.models import Contact, Conversation, ConversationEvent, Message
from blockdesk.conversations.serializers import (
    event_dict,
    public_conversation_dict,
    public_message_dict,
)
from blockdesk.conversations.views import sign_attachment
from blockdesk.kb.markdown import render_chat_markdown
from blockdesk.records import selectors as records_selectors
from blockdesk.records.models import RecordCase
from blockdesk.trust.selectors import anti_phishing_code_for_conversation

# Messages from our side get a "verified" badge in the widget; the customer's never.
VERIFIED_SENDERS = {
    Message.SenderType.AGENT,
    Message.SenderType.ASSISTANT,
    Message.SenderType.SYSTEM,
}


def signed_attachment_url(attachment_id: int) -> str:
    return f"/attachments/{attachment_id}/{sign_attachment(attachment_id)}/"


def with_signed_attachments(message: dict[str, Any]) -> dict[str, Any]:
    """Rewrites a public message dict (from the core or a live event) for the visitor."""
    data = dict(message)
    data["attachments"] = [
        {
            "id": att["id"],
            "filename": att["filename"],
            "content_type": att["content_type"],
            "size": att["size"],
            "url": signed_attachment_url(int(att["id"])),
        }
        for att in message.get("attachments", [])
    ]
    data["mine"] = message.get("sender_type") == Message.SenderType.CONTACT
    data["verified"] = message.get("sender_type") in VERIFIED_SENDERS
    data["verified_as"] = message.get("sender_type") if data["verified"] else None
    if message.get("sender_type") == Message.SenderType.ASSISTANT:
        # The assistant answers in Markdown (steps, nested lists, tables): sanitised HTML
        # the frame copies node by node (static/assistant/widget.js); `content` stays the
        # plain text for previews, notifications and old frames.
        data["content_html"] = render_chat_markdown(str(message.get("content") or ""))
    return data


def widget_message_dict(message: Message) -> dict[str, Any]:
    data = with_signed_attachments(public_message_dict(message))
    if data["verified"]:
        # These dicts only go to the conversation's own customer (visitor endpoints), so
        # their anti-phishing code rides along; live socket payloads leave it out (the
        # frame reuses the code it already has) as they are built without a DB query.
        data["anti_phishing_code"] = anti_phishing_code_for_conversation(message.conversation_id)
    return data


def widget_conversation_dict(
    conv: Conversation, *, last_public_id: int | None = None, preview: str | None = None
) -> dict[str, Any]:
    """`conv` from selectors.visitor_conversations (annotated), or any conversation with
    its last public message id and preview given by the caller."""
    data = public_conversation_dict(conv)
    # The core's last_message_id also counts internal notes; only public ones are shown.
    last_public = last_public_id
    if last_public is None:
        last_public = getattr(conv, "last_public_id", None)
    if last_public is None:
        data.pop("last_message_id", None)
    else:
        data["last_message_id"] = last_public
    if preview is not None:
        data["preview"] = preview
    elif hasattr(conv, "preview"):
        data["preview"] = conv.preview
    return data


def case_list_dict(conv: Conversation, *, here: int) -> dict[str, Any]:
    """A row of the customer's case list (selectors.visitor_case_list): `here` is this
    widget's inbox; a case of another channel says which, and carries no message id (the
    widget's unread count follows only its own cases)."""
    data = widget_conversation_dict(conv)
    data["channel"] = conv.inbox.channel_kind
    data["channel_label"] = channel_label(conv.inbox.channel_kind)
    data["here"] = conv.inbox_id == here
    if not data["here"]:
        data.pop("last_message_id", None)
    return data


def public_conversation_update(conversation: dict[str, Any]) -> dict[str, Any]:
    """A live `conversation.updated` payload, minus the note-counting last_message_id."""
    data = dict(conversation)
    data.pop("last_message_id", None)
    return data


def public_event_from_dict(event: dict[str, Any]) -> dict[str, Any]:
    """Only the facts a customer may see: what happened, when, to which status, by whom
    it is now handled. No actor ids, no internal data."""
    data = event.get("data") or {}
    out: dict[str, Any] = {
        "id": event.get("id"),
        "kind": event.get("kind"),
        "created_at": event.get("created_at"),
    }
    if event.get("kind") == ConversationEvent.Kind.STATUS_CHANGED:
        out["status"] = data.get("to")
    elif event.get("kind") == ConversationEvent.Kind.ASSIGNED:
        out["assignee_name"] = data.get("assignee_name")
    return out


def public_event_dict(event: ConversationEvent) -> dict[str, Any]:
    return public_event_from_dict(event_dict(event))


def visitor_dict(contact: Contact) -> dict[str, Any]:
    return {"id": contact.pk, "name": contact.name, "email": contact.email}


def record_dict(case: RecordCase | None) -> dict[str, Any] | None:
    """A case's service record for its customer: the steps (no field values beyond the
    kind, time and status), the public page and the receipt download. The receipt id is
    the bearer token of both links, so only the case's own visitor gets it."""
    if case is None:
        return None
    erased = case.erased_at is not None
    return {
        "receipt_id": case.receipt_id,
        "erased": erased,
        "page_url": reverse("records:receipt", args=[case.receipt_id]),
        "receipt_url": None if erased else reverse("records:receipt_json", args=[case.receipt_id]),
        "steps": [] if erased else records_selectors.customer_steps(case=case),
    }
