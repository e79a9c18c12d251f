"""Following other installations' feeds: subscribe by URL and public key, pull changes,
verify every item, queue knowledge for review, apply a trusted peer's scam intelligence,
pause (and report) a feed that stops verifying. A page is applied whole or not at all."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import BlockdeskError, Conflict, NotFound, ValidationFailed
from blockdesk.common.netguard import UnresolvableHost, UnsafeTarget, check_url
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.peering import signing
from blockdesk.peering.feedclient import FetchError, fetch_page
from blockdesk.peering.models import ReceivedItem, Subscription
from blockdesk.peering.publishing import check_admin
from blockdesk.peering.sources import get_feed_source
from blockdesk.peering.verify import FeedRejected, VerifiedItem, VerifiedPage, verify_page
from blockdesk.safety.fields import redact_free_text

logger = logging.getLogger(__name__)
State = ReceivedItem.State
PAGE_LIMIT = 100
MAX_PAGES_PER_RUN = 20


def _actor(actor: User | None) -> Actor:
    return Actor.agent(actor.pk) if actor is not None else Actor.system()


def _facts(sub: Subscription) -> dict[str, object]:
    return {"id": sub.pk, "name": sub.name, "url": sub.url, "key_id": sub.key_id}


# --- subscriptions -----------------------------------------------------------------------


def check_feed_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > 500:
        raise ValidationFailed.field("url", _("At most 500 characters."))
    try:
        check_url(url, allow_private=settings.PEERING_ALLOW_PRIVATE_FEEDS, require_resolvable=False)
    except (UnsafeTarget, UnresolvableHost) as exc:
        raise ValidationFailed.field("url", str(exc)) from exc
    return url


def check_public_key(public_key: str) -> str:
    public_key = "".join((public_key or "").split())
    try:
        signing.parse_public_key(public_key)
    except signing.BadKey as exc:
        raise ValidationFailed.field(
            "public_key", _("Paste the peer's public key exactly as its administrators gave it.")
        ) from exc
    return public_key


def do_subscribe(
    *, actor: User, name: str, url: str, public_key: str, trusted: bool = False
) -> Subscription:
    check_admin(actor=actor, account_id=actor.account_pk)
    name, _found = redact_free_text(" ".join((name or "").split()), account_id=actor.account_pk)
    if not name or len(name) > 120:
        raise ValidationFailed.field("name", _("Give the peer a name of at most 120 characters."))
    url = check_feed_url(url)
    public_key = check_public_key(public_key)
    sub = Subscription(
        account_id=actor.account_pk,
        name=name,
        url=url,
        public_key=public_key,
        key_id=signing.key_id(public_key),
        trusted=trusted,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            sub.save()
            emit(
                account_id=sub.account_id,
                name="peering.subscribed",
                payload={"subscription": _facts(sub), "trusted": trusted},
                actor=_actor(actor),
                subject=Subject("peering_subscription", sub.pk),
            )
    except IntegrityError as exc:
        raise Conflict(_("You already follow this feed."), code="duplicate") from exc
    return sub


def get_subscription(*, account_id: int, subscription_id: int) -> Subscription:
    sub = Subscription.objects.filter(account_id=account_id, pk=subscription_id).first()
    if sub is None:
        raise NotFound()
    return sub


def do_set_trusted(*, actor: User, subscription: Subscription, trusted: bool) -> Subscription:
    """Trusting a peer applies the scam intelligence already received; distrusting it
    withdraws every report it contributed."""
    check_admin(actor=actor, account_id=subscription.account_id)
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        sub.trusted = trusted
        sub.save(update_fields=["trusted"])
        for item in sub.items.filter(deleted=False).exclude(state=State.REJECTED):
            source = get_feed_source(item.item_type)
            if source is None or not source.intelligence:
                continue
            if trusted:
                _apply(item, source_actor=None)
            elif item.state == State.ACCEPTED:
                source.withdraw(item, None)
                item.state, item.applied_version = State.PENDING, None
                item.save(update_fields=["state", "applied_version"])
    return sub


def do_resume(*, actor: User, subscription: Subscription, public_key: str = "") -> Subscription:
    """An administrator resumes a paused feed, optionally pinning a new key they got from
    the peer through another channel."""
    check_admin(actor=actor, account_id=subscription.account_id)
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if public_key.strip():
            sub.public_key = check_public_key(public_key)
            sub.key_id = signing.key_id(sub.public_key)
        sub.status, sub.pause_reason, sub.paused_at, sub.etag = (
            Subscription.Status.ACTIVE,
            "",
            None,
            "",
        )
        sub.save()
        emit(
            account_id=sub.account_id,
            name="peering.subscription_resumed",
            payload={"subscription": _facts(sub)},
            actor=_actor(actor),
            subject=Subject("peering_subscription", sub.pk),
        )
    return sub


def do_unsubscribe(*, actor: User, subscription: Subscription) -> None:
    """Stops following; the peer's scam reports go with it (imported articles stay:
    they are our drafts now)."""
    check_admin(actor=actor, account_id=subscription.account_id)
    from_peer = f"peer:{subscription.pk}:"
    with transaction.atomic():
        for item in subscription.items.filter(state=State.ACCEPTED):
            source = get_feed_source(item.item_type)
            if source is not None and source.intelligence:
                source.withdraw(item, None)
        emit(
            account_id=subscription.account_id,
            name="peering.unsubscribed",
            payload={"subscription": _facts(subscription), "source_ref": from_peer},
            actor=_actor(actor),
            subject=Subject("peering_subscription", subscription.pk),
        )
        subscription.delete()


def do_pause(*, subscription: Subscription, reason: str) -> None:
    """Stops a feed that no longer verifies and reports it (event + the console notice)."""
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
        sub.status, sub.pause_reason = Subscription.Status.PAUSED, reason[:300]
        sub.paused_at = timezone.now()
        sub.save(update_fields=["status", "pause_reason", "paused_at"])
        emit(
            account_id=sub.account_id,
            name="peering.subscription_paused",
            payload={"subscription": _facts(sub), "reason": sub.pause_reason},
            actor=Actor.system(),
            subject=Subject("peering_subscription", sub.pk),
        )
    logger.warning("peering subscription %s paused: %s", sub.pk, reason)


# --- pulling -----------------------------------------------------------------------------


def sync_subscription(subscription: Subscription) -> int:
    """Pulls every new page; returns how many items changed. A page that fails to verify
    pauses the subscription and nothing of it is stored."""
    changed = 0
    for _page in range(MAX_PAGES_PER_RUN):
        sub = Subscription.objects.get(pk=subscription.pk)
        if sub.is_paused:
            break
        try:
            page = fetch_page(sub.url, since=sub.cursor, limit=PAGE_LIMIT, etag=sub.etag)
        except FetchError as exc:
            if exc.hostile:
                do_pause(subscription=sub, reason=str(exc))
            else:
                Subscription.objects.filter(pk=sub.pk).update(
                    last_error=str(exc)[:300], last_fetched_at=timezone.now()
                )
            break
        if page.not_modified or page.data is None:
            Subscription.objects.filter(pk=sub.pk).update(
                last_error="", last_fetched_at=timezone.now()
            )
            break
        page_changed, more = ingest_page(sub, page.data, etag=page.etag)
        changed += page_changed
        if not more:
            break
    return changed


def ingest_page(sub: Subscription, data: dict[str, Any], *, etag: str = "") -> tuple[int, bool]:
    """Verifies one fetched page and stores it whole, or pauses the subscription and
    stores nothing. Returns (items changed, whether more pages follow)."""
    try:
        verified = verify_page(
            data, pinned_key=sub.public_key, pinned_feed=sub.feed_id, cursor=sub.cursor
        )
        return _store_page(sub, verified, etag=etag), verified.has_more
    except FeedRejected as exc:  # rolled back: nothing of the page was kept
        do_pause(subscription=sub, reason=str(exc))
        return 0, False


def _store_page(sub: Subscription, page: VerifiedPage, *, etag: str) -> int:
    changed = 0
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().get(pk=sub.pk)
        if page.rotated:
            sub.public_key, sub.key_id = page.public_key, page.key_id
        sub.feed_id = page.feed_id
        for item in page.items:
            changed += _store_item(sub, item)
        # The ETag names the page asked for (since=cursor); a new cursor asks anew.
        sub.etag = etag if page.next_cursor == sub.cursor else ""
        sub.cursor = page.next_cursor
        sub.last_fetched_at, sub.last_error = timezone.now(), ""
        sub.save()
    return changed


def _store_item(sub: Subscription, incoming: VerifiedItem) -> int:
    if get_feed_source(incoming.item_type) is None:
        # A type this installation does not know (a newer peer, an app not installed
        # here): verified like the rest, then skipped rather than queued unusable.
        return 0
    row = ReceivedItem.objects.filter(
        subscription=sub, item_type=incoming.item_type, item_key=incoming.item_key
    ).first()
    if row is not None:
        if incoming.version < row.version:
            return 0  # a replayed older version: what we hold is newer
        if incoming.version == row.version:
            if incoming.body_hash != row.body_hash or incoming.deleted != row.deleted:
                raise _PageConflict("two different contents were signed as the same version")
            return 0
    else:
        if incoming.deleted:
            return 0  # never seen, already gone
        row = ReceivedItem(
            subscription=sub, account_id=sub.account_id, item_type=incoming.item_type
        )
        row.item_key = incoming.item_key
    row.version, row.deleted = incoming.version, incoming.deleted
    row.body, row.body_hash, row.signature = incoming.body, incoming.body_hash, incoming.signature
    row.received_at = timezone.now()
    source = get_feed_source(incoming.item_type)
    applied = row.state == State.ACCEPTED
    if incoming.deleted:
        # Deletions are honoured: an item never applied simply leaves the queue;
        # a local copy is withdrawn (scams at once, articles after review).
        if source is not None and source.intelligence and applied:
            source.withdraw(row, None)
            row.state = State.REMOVED
        elif applied:
            row.state = State.PENDING
        else:
            row.state = State.REMOVED
        row.save()
    elif source is not None and source.intelligence and sub.trusted:
        row.state = State.PENDING
        row.save()
        try:
            with transaction.atomic():
                _apply(row, source_actor=None)
        except BlockdeskError:
            # Verified but not storable here (say, a value our checks refuse): it waits
            # in the review queue instead of stopping the feed.
            row.state = State.PENDING
            row.save(update_fields=["state"])
    else:
        row.state = State.PENDING
        row.save()
    _emit_received(sub, row)
    return 1


class _PageConflict(FeedRejected):
    pass


def _emit_received(sub: Subscription, row: ReceivedItem) -> None:
    emit(
        account_id=sub.account_id,
        name="peering.item_received",
        payload={
            "subscription": _facts(sub),
            "item": {"type": row.item_type, "id": row.item_key, "version": row.version},
            "deleted": row.deleted,
            "state": row.state,
        },
        actor=Actor.system(),
        subject=Subject("peering_item", row.pk),
    )


def _apply(row: ReceivedItem, *, source_actor: User | None) -> None:
    source = get_feed_source(row.item_type)
    if source is None:
        raise ValidationFailed(_("This kind of item cannot be imported here."), code="unknown_type")
    source.apply(row, source_actor)
    row.state, row.applied_version = State.ACCEPTED, row.version
    row.save()
    emit(
        account_id=row.account_id,
        name="peering.item_imported",
        payload={
            "subscription": _facts(row.subscription),
            "item": {"type": row.item_type, "id": row.item_key, "version": row.version},
            "local_article_id": row.local_article_id,
            "automatic": source_actor is None,
        },
        actor=_actor(source_actor),
        subject=Subject("peering_item", row.pk),
    )


def sync_due_subscriptions() -> int:
    """The periodic job: active feeds not fetched for PEERING_PULL_INTERVAL seconds."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.PEERING_PULL_INTERVAL)
    due = Subscription.objects.filter(status=Subscription.Status.ACTIVE).exclude(
        last_fetched_at__gt=cutoff
    )
    return sum(sync_subscription(sub) for sub in due.order_by("last_fetched_at", "pk")[:20])


def do_sync_now(*, actor: User, subscription: Subscription) -> int:
    check_admin(actor=actor, account_id=subscription.account_id)
    return sync_subscription(subscription)


# --- the review queue --------------------------------------------------------------------


def get_item(*, account_id: int, item_id: int) -> ReceivedItem:
    row = (
        ReceivedItem.objects.select_related("subscription")
        .filter(account_id=account_id, pk=item_id)
        .first()
    )
    if row is None:
        raise NotFound()
    return row


def do_accept(*, actor: User, item: ReceivedItem) -> ReceivedItem:
    """Imports (or updates, or for a deletion removes) the local copy."""
    check_admin(actor=actor, account_id=item.account_id)
    if item.state != State.PENDING:
        raise Conflict(_("This item is not waiting for review."), code="not_pending")
    with transaction.atomic():
        row = (
            ReceivedItem.objects.select_for_update().select_related("subscription").get(pk=item.pk)
        )
        source = get_feed_source(row.item_type)
        if source is None:
            raise ValidationFailed(
                _("This kind of item cannot be imported here."), code="unknown_type"
            )
        row.reviewed_by, row.reviewed_at = actor, timezone.now()
        if row.deleted:
            source.withdraw(row, actor)
            row.state = State.REMOVED
            row.save()
        else:
            _apply(row, source_actor=actor)
    return row


def do_reject(*, actor: User, item: ReceivedItem) -> ReceivedItem:
    check_admin(actor=actor, account_id=item.account_id)
    if item.state != State.PENDING:
        raise Conflict(_("This item is not waiting for review."), code="not_pending")
    item.state, item.reviewed_by, item.reviewed_at = State.REJECTED, actor, timezone.now()
    item.save(update_fields=["state", "reviewed_by", "reviewed_at"])
    return item
