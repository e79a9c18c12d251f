"""REST endpoints under /api/v1/peering/ (tokens with peering:read / peering:write).

Writes act in the name of a person: an API token acts as the administrator who created
it (an imported article needs an editor, and the role is checked again by the services)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from blockdesk.accounts.models import ApiToken, User
from blockdesk.api.auth import ApiPrincipal, principal
from blockdesk.api.schemas import ERRORS, WRITE_ERRORS, ApiIn, BodyIn, PathId
from blockdesk.common.errors import Forbidden
from blockdesk.peering import publishing, selectors, subscribing
from blockdesk.peering.models import Publisher

router = Router(tags=["peering"])

READ = ApiToken.Scope.PEERING_READ.value
WRITE = ApiToken.Scope.PEERING_WRITE.value


class PublisherOut(Schema):
    feed_id: str
    feed_url: str
    enabled: bool
    title: str
    share_scams: bool
    share_answers: bool
    key_id: str = Field(description="Fingerprint of the signing key (first 16 hex of SHA-256).")
    public_key: str = Field(description="Ed25519 public key, base64url: give it to followers.")
    published_items: int


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    key_id: str
    public_key: str
    feed_id: str | None
    trusted: bool
    status: Literal["active", "paused"]
    pause_reason: str
    paused_at: dt.datetime | None
    cursor: int
    last_fetched_at: dt.datetime | None
    last_error: str


class SubscriptionIn(BodyIn):
    name: str = Field(min_length=1, max_length=120)
    url: str = Field(min_length=1, max_length=500)
    public_key: str = Field(min_length=1, max_length=64)
    trusted: bool = False


class TrustIn(BodyIn):
    trusted: bool


class ResumeIn(BodyIn):
    public_key: str = Field("", max_length=64)


class SyncOut(Schema):
    changed: int
    subscription: SubscriptionOut


class ItemOut(Schema):
    id: int
    subscription_id: int
    source: str
    type: str
    key: str
    title: str
    version: int
    deleted: bool
    state: Literal["pending", "accepted", "rejected", "removed"]
    applied_version: int | None
    local_article_id: int | None
    body: dict[str, Any] | None
    received_at: dt.datetime


class ReviewQuery(ApiIn):
    state: Literal["pending", "accepted", "rejected", "removed"] = "pending"


def _admin(p: ApiPrincipal) -> User:
    user = p.user or (p.token.created_by if p.token is not None else None)
    if user is None or not user.is_active or not user.is_account_admin:
        raise Forbidden("Only an administrator's token can change shared knowledge.")
    return user


def _publisher_out(publisher: Publisher) -> dict[str, Any]:
    key = publishing.active_key(publisher)
    return {
        "feed_id": str(publisher.feed_id),
        "feed_url": selectors.feed_url(publisher),
        "enabled": publisher.enabled,
        "title": publisher.title,
        "share_scams": publisher.share_scams,
        "share_answers": publisher.share_answers,
        "key_id": key.key_id,
        "public_key": key.public_key,
        "published_items": publisher.entries.filter(deleted=False).count(),
    }


@router.get("/peering/publisher", response={200: PublisherOut, **ERRORS})
def get_publisher(request: HttpRequest) -> dict[str, Any]:
    p = principal(request)
    p.require(READ)
    return _publisher_out(publishing.publisher_for(p.account_id))


@router.post("/peering/publisher/rotate-key", response={200: PublisherOut, **WRITE_ERRORS})
def rotate_key(request: HttpRequest) -> dict[str, Any]:
    p = principal(request)
    p.require(WRITE)
    publishing.do_rotate_key(actor=_admin(p))
    return _publisher_out(publishing.publisher_for(p.account_id))


@router.get("/peering/subscriptions", response={200: list[SubscriptionOut], **ERRORS})
def list_subscriptions(request: HttpRequest) -> list[dict[str, Any]]:
    p = principal(request)
    p.require(READ)
    rows = subscribing.Subscription.objects.filter(account_id=p.account_id).order_by("name", "pk")
    return [selectors.subscription_dict(s) for s in rows]


@router.post("/peering/subscriptions", response={201: SubscriptionOut, **WRITE_ERRORS})
def subscribe(request: HttpRequest, payload: SubscriptionIn) -> Status[dict[str, Any]]:
    p = principal(request)
    p.require(WRITE)
    sub = subscribing.do_subscribe(actor=_admin(p), **payload.model_dump())
    return Status(201, selectors.subscription_dict(sub))


@router.delete("/peering/subscriptions/{subscription_id}", response={204: None, **ERRORS})
def unsubscribe(request: HttpRequest, subscription_id: PathId) -> Status[None]:
    p = principal(request)
    p.require(WRITE)
    sub = subscribing.get_subscription(account_id=p.account_id, subscription_id=subscription_id)
    subscribing.do_unsubscribe(actor=_admin(p), subscription=sub)
    return Status(204, None)


@router.post(
    "/peering/subscriptions/{subscription_id}/sync", response={200: SyncOut, **WRITE_ERRORS}
)
def sync(request: HttpRequest, subscription_id: PathId) -> dict[str, Any]:
    """Fetches the feed now (the periodic job does the same every few minutes)."""
    p = principal(request)
    p.require(WRITE)
    sub = subscribing.get_subscription(account_id=p.account_id, subscription_id=subscription_id)
    changed = subscribing.do_sync_now(actor=_admin(p), subscription=sub)
    sub.refresh_from_db()
    return {"changed": changed, "subscription": selectors.subscription_dict(sub)}


@router.post(
    "/peering/subscriptions/{subscription_id}/trust",
    response={200: SubscriptionOut, **WRITE_ERRORS},
)
def set_trusted(request: HttpRequest, subscription_id: PathId, payload: TrustIn) -> dict[str, Any]:
    p = principal(request)
    p.require(WRITE)
    sub = subscribing.get_subscription(account_id=p.account_id, subscription_id=subscription_id)
    sub = subscribing.do_set_trusted(actor=_admin(p), subscription=sub, trusted=payload.trusted)
    return selectors.subscription_dict(sub)


@router.post(
    "/peering/subscriptions/{subscription_id}/resume",
    response={200: SubscriptionOut, **WRITE_ERRORS},
)
def resume(request: HttpRequest, subscription_id: PathId, payload: ResumeIn) -> dict[str, Any]:
    p = principal(request)
    p.require(WRITE)
    sub = subscribing.get_subscription(account_id=p.account_id, subscription_id=subscription_id)
    sub = subscribing.do_resume(actor=_admin(p), subscription=sub, public_key=payload.public_key)
    return selectors.subscription_dict(sub)


@router.get("/peering/review", response={200: list[ItemOut], **ERRORS})
def review_queue(request: HttpRequest, query: Query[ReviewQuery]) -> list[dict[str, Any]]:
    p = principal(request)
    p.require(READ)
    rows = selectors.review_queue(account_id=p.account_id, state=query.state)[:500]
    return [selectors.item_dict(i) for i in rows]


@router.post("/peering/review/{item_id}/accept", response={200: ItemOut, **WRITE_ERRORS})
def accept(request: HttpRequest, item_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(WRITE)
    item = subscribing.get_item(account_id=p.account_id, item_id=item_id)
    return selectors.item_dict(subscribing.do_accept(actor=_admin(p), item=item))


@router.post("/peering/review/{item_id}/reject", response={200: ItemOut, **WRITE_ERRORS})
def reject(request: HttpRequest, item_id: PathId) -> dict[str, Any]:
    p = principal(request)
    p.require(WRITE)
    item = subscribing.get_item(account_id=p.account_id, item_id=item_id)
    return selectors.item_dict(subscribing.do_reject(actor=_admin(p), item=item))
