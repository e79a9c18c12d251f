"""Publishing: an account's feed settings, its signing keys, and the signed entries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, NotFound, ValidationFailed
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.kb.models import Article
from blockdesk.peering import signing
from blockdesk.peering.models import FeedEntry, Publisher, SharedArticle, SigningKey
from blockdesk.peering.sources import feed_sources


def check_admin(*, actor: User, account_id: int) -> None:
    if actor.account_id != account_id or not actor.is_account_admin:
        raise Forbidden(_("Only administrators can change what is shared with other projects."))


def publisher_for(account_id: int) -> Publisher:
    publisher, _created = Publisher.objects.get_or_create(account_id=account_id)
    return publisher


def active_key(publisher: Publisher) -> SigningKey:
    """The signing key, made on first use."""
    key = SigningKey.objects.filter(publisher=publisher, retired_at__isnull=True).first()
    if key is None:
        private, public = signing.new_key_pair()
        key = SigningKey.objects.create(
            publisher=publisher,
            key_id=signing.key_id(public),
            public_key=public,
            private_key=private,
        )
    return key


def _actor(actor: User | None) -> Actor:
    return Actor.agent(actor.pk) if actor is not None else Actor.system()


def do_configure_publisher(
    *,
    actor: User,
    enabled: bool,
    title: str,
    share_scams: bool,
    share_answers: bool | None = None,
) -> Publisher:
    """`share_answers` None keeps the current choice (callers that predate it)."""
    check_admin(actor=actor, account_id=actor.account_pk)
    title = " ".join(title.split())
    if len(title) > 120:
        raise ValidationFailed.field("title", _("At most 120 characters."))
    with transaction.atomic():
        publisher = publisher_for(actor.account_pk)
        publisher.enabled, publisher.title, publisher.share_scams = enabled, title, share_scams
        if share_answers is not None:
            publisher.share_answers = share_answers
        publisher.full_clean()
        publisher.save()
        active_key(publisher)
        do_refresh_feed(publisher=publisher, actor=actor)
    return publisher


def do_share_articles(*, actor: User, article_ids: Iterable[int]) -> int:
    """Replaces the set of shared articles; returns how many are shared."""
    check_admin(actor=actor, account_id=actor.account_pk)
    wanted = set(
        Article.objects.filter(account_id=actor.account_pk, pk__in=list(article_ids)).values_list(
            "pk", flat=True
        )
    )
    with transaction.atomic():
        publisher = publisher_for(actor.account_pk)
        SharedArticle.objects.filter(publisher=publisher).exclude(article_id__in=wanted).delete()
        have = set(
            SharedArticle.objects.filter(publisher=publisher).values_list("article_id", flat=True)
        )
        SharedArticle.objects.bulk_create(
            SharedArticle(publisher=publisher, article_id=pk) for pk in wanted - have
        )
        do_refresh_feed(publisher=publisher, actor=actor)
    return len(wanted)


def do_rotate_key(*, actor: User) -> SigningKey:
    """A new key signs from now on; the old key endorses it (subscribers that pinned the
    old key follow), and every entry is signed again with the new key."""
    check_admin(actor=actor, account_id=actor.account_pk)
    with transaction.atomic():
        publisher = Publisher.objects.select_for_update().get(pk=publisher_for(actor.account_pk).pk)
        old = active_key(publisher)
        private, public = signing.new_key_pair()
        old.retired_at = timezone.now()
        old.save(update_fields=["retired_at"])
        new = SigningKey.objects.create(
            publisher=publisher,
            key_id=signing.key_id(public),
            public_key=public,
            private_key=private,
            endorsed_by=old.key_id,
            endorsement=signing.sign(
                old.private_key,
                signing.rotation_message(feed_id=str(publisher.feed_id), new_public_key=public),
            ),
        )
        for entry in FeedEntry.objects.filter(publisher=publisher):
            _sign(entry, publisher, new)
            entry.save(update_fields=["key_id", "signature"])
        emit(
            account_id=publisher.account_id,
            name="peering.key_rotated",
            payload={
                "feed_id": str(publisher.feed_id),
                "key_id": new.key_id,
                "old_key_id": old.key_id,
            },
            actor=_actor(actor),
            subject=Subject("peering_feed", publisher.pk),
        )
    return new


def item_dict(entry: FeedEntry) -> dict[str, Any]:
    return {
        "type": entry.item_type,
        "id": entry.item_key,
        "version": entry.version,
        "deleted": entry.deleted,
        "body": entry.body,
        "updated_at": entry.updated_at.isoformat(),
    }


def _sign(entry: FeedEntry, publisher: Publisher, key: SigningKey) -> None:
    message = signing.item_message(feed_id=str(publisher.feed_id), item=item_dict(entry))
    entry.key_id, entry.signature = key.key_id, signing.sign(key.private_key, message)


def do_refresh_feed(*, publisher: Publisher, actor: User | None = None) -> int:
    """Brings the entries in line with what the sources share now: new and changed items
    get a new version and sequence number, items no longer shared become tombstones.
    Returns how many entries changed (and emits one event when any did)."""
    changed = 0
    with transaction.atomic():
        publisher = Publisher.objects.select_for_update().get(pk=publisher.pk)
        key = active_key(publisher)
        now = timezone.now().replace(microsecond=0)
        existing = {(e.item_type, e.item_key): e for e in publisher.entries.all()}
        current: dict[tuple[str, str], dict[str, Any]] = {}
        if publisher.enabled:
            for source in feed_sources():
                for item_key, body in source.collect(publisher).items():
                    current[(source.item_type, item_key)] = body
        for ident, body in current.items():
            entry = existing.get(ident)
            digest = signing.content_hash(body)
            if entry is not None and not entry.deleted and entry.body_hash == digest:
                continue
            if entry is None:
                entry = FeedEntry(publisher=publisher, item_type=ident[0], item_key=ident[1])
                entry.version = 1
            else:
                entry.version += 1
            entry.deleted, entry.body, entry.body_hash = False, body, digest
            changed += _stamp(entry, publisher, key, now)
        for ident, entry in existing.items():
            if ident not in current and not entry.deleted:
                entry.version += 1
                entry.deleted, entry.body, entry.body_hash = True, None, ""
                changed += _stamp(entry, publisher, key, now)
        publisher.refreshed_at = now
        publisher.save(update_fields=["last_seq", "refreshed_at", "updated_at"])
        if changed:
            emit(
                account_id=publisher.account_id,
                name="peering.feed_published",
                payload={
                    "feed_id": str(publisher.feed_id),
                    "changed": changed,
                    "last_seq": publisher.last_seq,
                },
                actor=_actor(actor),
                subject=Subject("peering_feed", publisher.pk),
            )
    return changed


def _stamp(entry: FeedEntry, publisher: Publisher, key: SigningKey, now: dt.datetime) -> int:
    publisher.last_seq += 1
    entry.seq, entry.updated_at = publisher.last_seq, now
    _sign(entry, publisher, key)
    entry.save()
    return 1


def refresh_due_feeds() -> int:
    """The periodic job: feeds not refreshed for PEERING_PUBLISH_INTERVAL seconds."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.PEERING_PUBLISH_INTERVAL)
    due = Publisher.objects.filter(enabled=True).exclude(refreshed_at__gt=cutoff)
    return sum(do_refresh_feed(publisher=p) for p in due[:50])


# --- reads -------------------------------------------------------------------------------

MAX_PAGE = 200


def enabled_publisher(feed_id: str) -> Publisher:
    publisher = Publisher.objects.filter(feed_id=feed_id, enabled=True).first()
    if publisher is None:
        raise NotFound()
    return publisher


def feed_etag(publisher: Publisher, *, since: int, limit: int) -> str:
    key = active_key(publisher)
    return f'"{publisher.feed_id}.{publisher.last_seq}.{key.key_id}.{since}.{limit}"'


def feed_page(publisher: Publisher, *, since: int, limit: int) -> dict[str, Any]:
    """One page of the feed after `since`, oldest change first, plus the keys a
    subscriber needs to follow a rotation."""
    limit = max(1, min(limit, MAX_PAGE))
    key = active_key(publisher)
    entries = list(publisher.entries.filter(seq__gt=since).order_by("seq")[: limit + 1])
    more = len(entries) > limit
    entries = entries[:limit]
    keys = SigningKey.objects.filter(publisher=publisher).order_by("created_at", "pk")
    return {
        "format": signing.FORMAT,
        "version": signing.VERSION,
        "feed": str(publisher.feed_id),
        "title": publisher.title,
        "key_id": key.key_id,
        "public_key": key.public_key,
        "keys": [
            {
                "key_id": k.key_id,
                "public_key": k.public_key,
                "endorsed_by": k.endorsed_by,
                "endorsement": k.endorsement,
            }
            for k in keys
        ],
        "since": since,
        "next": entries[-1].seq if entries else since,
        "has_more": more,
        "items": [
            {**item_dict(e), "seq": e.seq, "key_id": e.key_id, "signature": e.signature}
            for e in entries
        ],
    }
