"""The channel contract: what every channel kind (email, Telegram, Discord, …) provides,
and the shapes that cross it. Each kind is its own package with its own model (a
`BaseChannel` subclass registered with `register_channel`); nothing outside that package
asks which kind a channel is.

- **receive** — the package turns what the platform sent into an `InboundMessage`
  (normalised: the sender's identity, the visible text, attachments, a thread hint) and
  hands it to `contract_inbound.do_receive`, which runs the secret guard on everything
  it stores, finds or creates the contact by that identity, threads the message into the
  right conversation and stores the attachments, through the conversations app's services.
- **deliver** — a channel whose class says `delivers_by_task = True` gets one
  `OutboundDelivery` per public reply (agent, assistant or system) in its inboxes, or in
  a case the customer continued on it and last wrote from (linked_channels.py: one
  delivery per reply, on one channel): the
  `connectors.deliveries` consumer of `message.created` writes it, a background task calls
  `channel.send(message)` with retries and backoff, and the platform's message id and the
  status (queued, sent, delivered, failed with a reason) are shown to agents, with a retry
  (`contract_delivery`).
- **format** — `channel.format_outbound(text)` turns the stored Markdown into the
  platform's markup, split into parts of at most `max_length` characters, or refused with
  `MessageTooLong` when the platform cannot take it in parts.
- **continue from the widget** (optional) — `channel.widget_continue()` returns a
  `WidgetContinue` when a signed-in widget customer can carry a link token to this
  channel (a Telegram `/start` deep link, a Discord `/link` command); the widget shows a
  "Continue on …" button for it and the channel redeems the token with
  `conversations.identity_links.do_redeem_link_token` (docs/identity.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class InboundMessage:
    """One message a customer sent through a channel, normalised.

    `identity_kind`/`identity_value`: how the channel recognises the sender
    (`ContactIdentity.Kind`: an email address, a Telegram id). `thread_conversation_id`: a
    conversation the platform proved this message belongs to (an email's case token, a
    Telegram reply); `continue_latest`: chat channels continue the sender's newest open
    case in the inbox, email opens a new one for a new thread. `no_reply`: automatic mail
    (an auto-reply, a bounce, list traffic): stored, never answered automatically.
    `platform_message_id` makes a redelivered message a no-op."""

    identity_kind: str
    identity_value: str
    text: str
    display_name: str = ""
    subject: str = ""
    platform_message_id: str = ""
    thread_conversation_id: int | None = None
    continue_latest: bool = False
    attachments: list[InboundAttachment] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    no_reply: bool = False
    # The sender proved they own the identity of the threaded conversation's contact (an
    # email answering a mail we sent to that address): the identity may be linked to it.
    identity_proven: bool = False


@dataclass(frozen=True)
class WidgetContinue:
    """How the widget offers this channel. `kind` is the identity kind the token is issued
    for; `href` (a URL) and/or `command` (text the customer sends the bot) hold the
    placeholder `{token}`. An `href` must be https. `case_endpoint` (optional): the
    widget API path (with `{widget}` for the widget's public token) that answers
    `POST {"conversation_id": N}` with `{"url": …}`, a link that continues that one case
    on the channel: the widget then shows "Continue this case on …" in an open case."""

    kind: str
    label: str
    href: str = ""
    command: str = ""
    case_endpoint: str = ""


@dataclass(frozen=True)
class SendResult:
    platform_message_id: str
    # True when the platform confirms delivery itself (most only say "accepted").
    delivered: bool = False


class DeliveryFailed(Exception):
    """`channel.send` could not deliver. `retryable`: a network error or the platform's
    rate limit (retried with backoff); otherwise (a refused address, a message too long)
    the delivery fails at once with `reason`, which agents see."""

    def __init__(self, reason: str, *, retryable: bool = True, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason[:300]
        self.retryable = retryable
        self.retry_after = retry_after


class MessageTooLong(DeliveryFailed):
    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters, cut at a paragraph, line or word boundary
    when one is in the second half of the part (a hard cut otherwise)."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            at = window.rfind(sep)
            if at >= limit // 2:
                cut = at
                break
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts
