"""Checking a fetched feed page before anything of it is stored. Pure (no database):
takes the page and what the subscription pinned, returns the verified items or raises
FeedRejected with a reason an administrator can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blockdesk.peering import signing
from blockdesk.peering.sources import BadItem, get_feed_source

MAX_ITEMS = 500
MAX_KEYS = 50


class FeedRejected(Exception):
    """The page does not verify: the subscription is paused with this reason."""


@dataclass(frozen=True)
class VerifiedItem:
    item_type: str
    item_key: str
    version: int
    deleted: bool
    body: dict[str, Any] | None
    body_hash: str
    signature: str
    seq: int


@dataclass
class VerifiedPage:
    feed_id: str
    key_id: str  # the key the items are signed with (after a followed rotation)
    public_key: str
    next_cursor: int
    has_more: bool
    items: list[VerifiedItem] = field(default_factory=list)
    rotated: bool = False


def _int(data: dict[str, Any], name: str) -> int:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**62:
        raise FeedRejected(f"“{name}” is not a valid number")
    return value


def _text(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    if not isinstance(value, str) or len(value) > limit:
        raise FeedRejected(f"“{name}” is missing or too long")
    return value


def follow_rotation(
    data: dict[str, Any], *, feed_id: str, pinned_key: str, announced_key: str
) -> bool:
    """True when a chain of endorsements leads from the pinned key to the announced one,
    each new key signed by the key before it."""
    keys = data.get("keys")
    if not isinstance(keys, list) or len(keys) > MAX_KEYS:
        return False
    by_endorser: dict[str, dict[str, Any]] = {}
    for entry in keys:
        if isinstance(entry, dict) and isinstance(entry.get("endorsed_by"), str):
            by_endorser[entry["endorsed_by"]] = entry
    current = pinned_key
    for _step in range(MAX_KEYS):
        if current == announced_key:
            return True
        successor = by_endorser.get(signing.key_id(current))
        if successor is None:
            return False
        new_key = successor.get("public_key")
        endorsement = successor.get("endorsement")
        if not isinstance(new_key, str) or not isinstance(endorsement, str):
            return False
        message = signing.rotation_message(feed_id=feed_id, new_public_key=new_key)
        if not signing.verify(current, message, endorsement):
            return False
        current = new_key
    return False


def verify_page(
    data: dict[str, Any], *, pinned_key: str, pinned_feed: str, cursor: int
) -> VerifiedPage:
    if data.get("format") != signing.FORMAT:
        raise FeedRejected("not a Blockdesk peering feed")
    if data.get("version") != signing.VERSION:
        raise FeedRejected(f"unsupported feed version {data.get('version')!r}")
    feed_id = _text(data, "feed", 36)
    if pinned_feed and feed_id != pinned_feed:
        raise FeedRejected("the feed identifier changed")
    public_key = _text(data, "public_key", 64)
    try:
        signing.parse_public_key(public_key)
    except signing.BadKey as exc:
        raise FeedRejected("the announced key is not an Ed25519 key") from exc
    rotated = False
    if public_key != pinned_key:
        if not follow_rotation(
            data, feed_id=feed_id, pinned_key=pinned_key, announced_key=public_key
        ):
            raise FeedRejected("the signing key changed without an endorsement by the pinned key")
        rotated = True
    key_id = signing.key_id(public_key)
    if _int(data, "since") != cursor:
        raise FeedRejected("the page does not start where we asked")
    items = data.get("items")
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise FeedRejected("“items” is not a list of at most 500 items")
    page = VerifiedPage(
        feed_id=feed_id,
        key_id=key_id,
        public_key=public_key,
        next_cursor=_int(data, "next"),
        has_more=data.get("has_more") is True,
        rotated=rotated,
    )
    last_seq = cursor
    seen: set[tuple[str, str]] = set()
    for raw in items:
        page.items.append(_verify_item(raw, feed_id=feed_id, key=public_key, after=last_seq))
        item = page.items[-1]
        if (item.item_type, item.item_key) in seen:
            raise FeedRejected("an item appears twice in one page")
        seen.add((item.item_type, item.item_key))
        last_seq = item.seq
    if page.next_cursor != last_seq:
        raise FeedRejected("the page's cursor does not match its items")
    return page


def _verify_item(raw: Any, *, feed_id: str, key: str, after: int) -> VerifiedItem:
    if not isinstance(raw, dict):
        raise FeedRejected("an item is not an object")
    seq = _int(raw, "seq")
    if seq <= after:
        raise FeedRejected("items are not in increasing order after the cursor")
    item = {
        "type": _text(raw, "type", 40),
        "id": _text(raw, "id", 200),
        "version": _int(raw, "version"),
        "deleted": raw.get("deleted"),
        "body": raw.get("body"),
        "updated_at": _text(raw, "updated_at", 40),
    }
    if not isinstance(item["deleted"], bool):
        raise FeedRejected("an item's “deleted” is not true or false")
    body = item["body"]
    if item["deleted"] != (body is None) or not (body is None or isinstance(body, dict)):
        raise FeedRejected("an item's body does not match its deletion flag")
    signature = _text(raw, "signature", 128)
    try:
        message = signing.item_message(feed_id=feed_id, item=item)
        valid = signing.verify(key, message, signature)
    except ValueError:
        valid = False
    if not valid:
        raise FeedRejected(f"bad signature on item {item['type']}:{str(item['id'])[:60]}")
    source = get_feed_source(str(item["type"]))
    if source is not None and body is not None:
        try:
            source.validate(body)
        except BadItem as exc:
            raise FeedRejected(f"item {item['id']!s:.60}: {exc}") from exc
    return VerifiedItem(
        item_type=str(item["type"]),
        item_key=str(item["id"]),
        version=_int(raw, "version"),
        deleted=bool(item["deleted"]),
        body=body,
        body_hash=signing.content_hash(body) if body is not None else "",
        signature=signature,
        seq=seq,
    )
