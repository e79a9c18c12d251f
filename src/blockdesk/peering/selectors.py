"""Reads for the console and the API, scoped by the administrator's account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from blockdesk.accounts.models import User
from blockdesk.kb import selectors as kb_selectors
from blockdesk.kb.models import Article
from blockdesk.peering.models import (
    Publisher,
    ReceivedItem,
    SharedArticle,
    SigningKey,
    Subscription,
)
from blockdesk.peering.publishing import active_key, publisher_for
from blockdesk.peering.sources import get_feed_source


@dataclass(frozen=True)
class PublisherView:
    publisher: Publisher
    key: SigningKey
    feed_url: str
    shared_ids: frozenset[int]
    entries: int


def feed_url(publisher: Publisher) -> str:
    return kb_selectors.absolute(reverse("peering_feed:feed", args=[publisher.feed_id]))


def publisher_view(*, user: User) -> PublisherView:
    publisher = publisher_for(user.account_pk)
    shared = SharedArticle.objects.filter(publisher=publisher).values_list("article_id", flat=True)
    return PublisherView(
        publisher=publisher,
        key=active_key(publisher),
        feed_url=feed_url(publisher),
        shared_ids=frozenset(shared),
        entries=publisher.entries.filter(deleted=False).count(),
    )


def shareable_articles(*, user: User) -> QuerySet[Article]:
    return (
        Article.objects.filter(account_id=user.account_pk)
        .select_related("category")
        .prefetch_related("translations")
        .order_by("key")
    )


def subscriptions(*, user: User) -> QuerySet[Subscription]:
    return Subscription.objects.filter(account_id=user.account_pk).order_by("name", "pk")


def review_queue(
    *, account_id: int, state: str = ReceivedItem.State.PENDING
) -> QuerySet[ReceivedItem]:
    return (
        ReceivedItem.objects.filter(account_id=account_id, state=state)
        .select_related("subscription", "local_article")
        .order_by("-received_at", "-pk")
    )


def item_title(item: ReceivedItem) -> str:
    source = get_feed_source(item.item_type)
    if source is None or item.body is None:
        return item.item_key
    return source.title(item.body)[:200]


def item_preview(item: ReceivedItem) -> dict[str, dict[str, Any]]:
    """{language: {"title", "body"}} for the review queue ({} shows the raw body)."""
    source = get_feed_source(item.item_type)
    if item.body is None:
        return {}
    if source is not None and source.preview is not None:
        return source.preview(item.body)
    return dict(item.body.get("translations") or {})


def item_label(item: ReceivedItem) -> str:
    source = get_feed_source(item.item_type)
    return str(source.label) if source is not None else item.item_type


def item_dict(item: ReceivedItem) -> dict[str, Any]:
    return {
        "id": item.pk,
        "subscription_id": item.subscription_id,
        "source": item.subscription.name,
        "type": item.item_type,
        "key": item.item_key,
        "title": item_title(item),
        "version": item.version,
        "deleted": item.deleted,
        "state": item.state,
        "applied_version": item.applied_version,
        "local_article_id": item.local_article_id,
        "body": item.body,
        "received_at": item.received_at,
    }


def subscription_dict(sub: Subscription) -> dict[str, Any]:
    return {
        "id": sub.pk,
        "name": sub.name,
        "url": sub.url,
        "key_id": sub.key_id,
        "public_key": sub.public_key,
        "feed_id": sub.feed_id or None,
        "trusted": sub.trusted,
        "status": sub.status,
        "pause_reason": sub.pause_reason,
        "paused_at": sub.paused_at,
        "cursor": sub.cursor,
        "last_fetched_at": sub.last_fetched_at,
        "last_error": sub.last_error,
    }
