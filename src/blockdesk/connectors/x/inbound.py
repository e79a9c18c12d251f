"""Mentions and direct messages, polled (X's v2 has no push for either without the
Account Activity API). The payloads are normalised by plain functions, tested with the
shapes of X's documentation; each item goes through `contract_inbound.do_receive` (the
secret guard first), once: a post or DM event id already stored is a no-op."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from blockdesk.connectors.contract import DeliveryFailed, InboundAttachment, InboundMessage
from blockdesk.connectors.contract_inbound import do_receive, idempotency_key
from blockdesk.connectors.x import api
from blockdesk.connectors.x.inbound_media import XMedia, do_schedule_retries, fetch_all, media_of
from blockdesk.connectors.x.models import XChannel, XRoute
from blockdesk.conversations.models import ContactIdentity, Message

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class XItem:
    kind: str  # XRoute.Kind
    id: str
    author_id: str
    username: str
    name: str
    text: str
    media: tuple[XMedia, ...] = field(default=())


def _users(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    users = (body.get("includes") or {}).get("users") or []
    return {str(u.get("id")): u for u in users if isinstance(u, dict)}


def parse_mentions(body: dict[str, Any], *, own_id: str) -> list[XItem]:
    """The mentions timeline (newest first) as items, oldest first, our own posts left out."""
    users = _users(body)
    items = []
    for post in reversed(body.get("data") or []):
        author = str(post.get("author_id") or "")
        if not post.get("id") or not author or author == own_id:
            continue
        user = users.get(author, {})
        items.append(XItem(XRoute.Kind.MENTION, str(post["id"]), author,
                           str(user.get("username") or ""), str(user.get("name") or ""),
                           str(post.get("text") or ""), media_of(post, body)))  # fmt: skip
    return items


def parse_dm_events(body: dict[str, Any], *, own_id: str, after_id: str) -> list[XItem]:
    """MessageCreate events newer than `after_id`, oldest first, ours left out."""
    users = _users(body)
    items = []
    for event in reversed(body.get("data") or []):
        sender = str(event.get("sender_id") or "")
        event_id = str(event.get("id") or "")
        if event.get("event_type") != "MessageCreate" or not event_id or not sender:
            continue
        if sender == own_id or not event_id.isdigit():
            continue
        if after_id.isdigit() and int(event_id) <= int(after_id):
            continue
        user = users.get(sender, {})
        items.append(XItem(XRoute.Kind.DM, event_id, sender, str(user.get("username") or ""),
                           str(user.get("name") or ""), str(event.get("text") or ""),
                           media_of(event, body)))  # fmt: skip
    return items


def _already_stored(channel: XChannel, item: XItem) -> bool:
    key = idempotency_key(channel, f"{item.kind}:{item.id}")
    return Message.objects.filter(
        conversation__inbox__account_id=channel.inbox.account_id, idempotency_key=key
    ).exists()


def receive_item(channel: XChannel, item: XItem) -> bool:
    """True when stored; False for an item already stored (a replay). Its media are
    fetched first (inbound_media.py), unless it is a replay; a failed fetch keeps the
    message, noted on it and retried later when it may pass."""
    meta: dict[str, Any] = {"kind": item.kind, "id": item.id, "username": item.username}
    files: list[InboundAttachment] = []
    failed: list[dict[str, Any]] = []
    if item.media and not _already_stored(channel, item):
        # Fetched, not stored: do_receive runs the secret guard over the text, the alt
        # texts (metadata) and the file names before it stores anything.
        files, failed = fetch_all(item.media)
        meta["media"] = [{"key": m.key, "type": m.type, "alt_text": m.alt_text} for m in item.media]
        if failed:
            meta["media_failed"] = [
                {"key": f["key"], "type": f["type"], "reason": f["reason"], "retry": f["retry"]}
                for f in failed
            ]
    received = do_receive(
        channel=channel,
        inbound=InboundMessage(
            identity_kind=ContactIdentity.Kind.X,
            identity_value=item.author_id,
            display_name=item.name or item.username,
            text=item.text,
            platform_message_id=f"{item.kind}:{item.id}",
            continue_latest=True,
            attachments=files,
            metadata={"x": meta},
        ),
    )
    if received.created and failed:
        do_schedule_retries(
            channel=channel, message=received.message, failed=failed, now=timezone.now()
        )
    XRoute.objects.update_or_create(
        channel=channel, conversation=received.message.conversation,
        defaults={"kind": item.kind, "participant_id": item.author_id,
                  "reply_to_post_id": item.id if item.kind == XRoute.Kind.MENTION else ""},
    )  # fmt: skip
    return received.created


def poll_channel(channel: XChannel) -> int:
    """One poll of an inbox: the new mentions and DMs stored. Nothing at all (no request)
    for an inbox that is not configured."""
    if not channel.configured:
        return 0
    count = 0
    try:
        if channel.poll_mentions:
            body = api.mentions(channel)
            for item in parse_mentions(body, own_id=channel.user_id):
                count += receive_item(channel, item)
            newest = str((body.get("meta") or {}).get("newest_id") or "")
            if newest:
                channel.since_mention_id = newest
        if channel.poll_dms:
            items = parse_dm_events(
                api.dm_events(channel), own_id=channel.user_id, after_id=channel.last_dm_event_id
            )
            for item in items:
                count += receive_item(channel, item)
                channel.last_dm_event_id = item.id
        channel.last_error = ""
    except DeliveryFailed as exc:
        channel.last_error = exc.reason
        logger.warning("x inbox %s: poll failed: %s", channel.inbox_id, exc.reason)
    channel.last_polled_at = timezone.now()
    XChannel.objects.filter(pk=channel.pk).update(
        since_mention_id=channel.since_mention_id, last_dm_event_id=channel.last_dm_event_id,
        last_polled_at=channel.last_polled_at, last_error=channel.last_error,
    )  # fmt: skip
    return count


def poll_due_channels(*, now: dt.datetime | None = None) -> int:
    """The periodic job: configured inboxes not polled for X_POLL_SECONDS."""
    now = now or timezone.now()
    due = now - dt.timedelta(seconds=settings.X_POLL_SECONDS)
    channels = (
        XChannel.objects.select_related("inbox")
        .filter(
            Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=due),
            enabled=True,
        )
        .exclude(access_token="")
    )
    return sum(poll_channel(channel) for channel in channels)
