"""Event types of knowledge shared between installations (docs/peering.md): a feed
published, peers followed, items received and imported, a feed paused because it stopped
verifying. Security-relevant: a paused feed may mean a compromised peer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SubscriptionFacts(_Payload):
    id: int
    name: str
    url: str
    key_id: str = Field(description="Fingerprint of the pinned public key.")


class ItemFacts(_Payload):
    type: str = Field(description="kb.article, trust.scam, or a type another app registered.")
    id: str
    version: int


class FeedPublished(_Payload):
    feed_id: str
    changed: int = Field(description="How many items were added, changed or deleted.")
    last_seq: int


class KeyRotated(_Payload):
    feed_id: str
    key_id: str
    old_key_id: str


class Subscribed(_Payload):
    subscription: SubscriptionFacts
    trusted: bool


class Unsubscribed(_Payload):
    subscription: SubscriptionFacts
    source_ref: str


class ItemReceived(_Payload):
    subscription: SubscriptionFacts
    item: ItemFacts
    deleted: bool
    state: str = Field(description="pending, accepted, rejected or removed.")


class ItemImported(_Payload):
    subscription: SubscriptionFacts
    item: ItemFacts
    local_article_id: int | None
    automatic: bool = Field(description="Applied without review (a trusted peer's scam report).")


class SubscriptionPaused(_Payload):
    subscription: SubscriptionFacts
    reason: str


class SubscriptionResumed(_Payload):
    subscription: SubscriptionFacts


register_event_type(
    name="peering.feed_published",
    version=1,
    description="This account's shared-knowledge feed changed (items signed and published).",
    payload=FeedPublished,
)
register_event_type(
    name="peering.key_rotated",
    version=1,
    description="The feed's signing key was rotated; the old key endorsed the new one.",
    payload=KeyRotated,
)
register_event_type(
    name="peering.subscribed",
    version=1,
    description="The account started following another installation's feed.",
    payload=Subscribed,
)
register_event_type(
    name="peering.unsubscribed",
    version=1,
    description="The account stopped following a feed; that peer's scam reports were removed.",
    payload=Unsubscribed,
)
register_event_type(
    name="peering.item_received",
    version=1,
    description="A verified new, changed or deleted item arrived from a followed feed.",
    payload=ItemReceived,
)
register_event_type(
    name="peering.item_imported",
    version=1,
    description="An item from a followed feed was imported (an article as a draft, or a "
    "scam report) after review, or automatically from a trusted peer.",
    payload=ItemImported,
)
register_event_type(
    name="peering.subscription_paused",
    version=1,
    description="A followed feed stopped verifying (bad signature, changed key, malformed "
    "or oversized page) and was paused; nothing of the failing page was applied.",
    payload=SubscriptionPaused,
)
register_event_type(
    name="peering.subscription_resumed",
    version=1,
    description="An administrator resumed a paused feed.",
    payload=SubscriptionResumed,
)
