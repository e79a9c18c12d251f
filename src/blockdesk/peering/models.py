"""Knowledge shared between Blockdesk installations (docs/peering.md).

Publishing side: an account's signing keys, the articles it chose to share, and the feed
entries (one per shared item, re-sequenced on every change, tombstones for deletions).
Subscribing side: the peers it follows (URL + pinned public key) and what they sent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from blockdesk.common.crypto import EncryptedTextField


class Publisher(models.Model):
    """An account's feed: off until an administrator turns it on."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="peering_publisher"
    )
    feed_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enabled = models.BooleanField(_("publish a feed"), default=False)
    title = models.CharField(_("feed name"), max_length=120, blank=True)
    share_scams = models.BooleanField(_("share confirmed scams"), default=True)
    # The forum's accepted answers on public questions ("forum.answer" items): off until
    # an administrator chooses to share them (they are customers' words).
    share_answers = models.BooleanField(_("share accepted community answers"), default=False)
    # The last sequence number handed out; entries take the next one on every change.
    last_seq = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title or str(self.feed_id)


class SigningKey(models.Model):
    """An Ed25519 key pair. The private half is encrypted at rest; the newest active key
    signs, a rotated one is kept (retired) with the endorsement of its successor."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(max_length=32)
    public_key = models.CharField(max_length=64)  # base64url, 32 bytes
    private_key = EncryptedTextField()
    # The previous key's signature over this key: lets subscribers follow a rotation.
    endorsed_by = models.CharField(max_length=32, blank=True)
    endorsement = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["key_id"], name="peering_key_unique_id"),
            models.UniqueConstraint(
                fields=["publisher"],
                condition=Q(retired_at__isnull=True),
                name="peering_one_active_key",
            ),
        ]

    def __str__(self) -> str:
        return self.key_id


class SharedArticle(models.Model):
    """An article an administrator chose to publish (its published translations go out)."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="articles")
    article = models.ForeignKey("kb.Article", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publisher", "article"], name="peering_shared_article_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.publisher_id}:{self.article_id}"


class FeedEntry(models.Model):
    """One item of the feed as signed. `seq` moves forward on every change, so a
    subscriber asking `since=N` gets exactly what changed after N."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="entries")
    item_type = models.CharField(max_length=40)
    item_key = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    seq = models.BigIntegerField()
    deleted = models.BooleanField(default=False)
    body = models.JSONField(null=True, blank=True)
    body_hash = models.CharField(max_length=64, blank=True)
    key_id = models.CharField(max_length=32)
    signature = models.CharField(max_length=128)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["publisher", "item_type", "item_key"], name="peering_entry_unique_item"
            ),
            models.UniqueConstraint(fields=["publisher", "seq"], name="peering_entry_unique_seq"),
            models.CheckConstraint(
                condition=Q(deleted=True, body__isnull=True) | Q(deleted=False, body__isnull=False),
                name="peering_entry_tombstone_has_no_body",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_type}:{self.item_key}@{self.version}"


class Subscription(models.Model):
    """A peer's feed this account follows, verified against the pinned public key."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="peering_subscriptions"
    )
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("feed URL"), max_length=500)
    public_key = models.CharField(_("public key"), max_length=64)
    key_id = models.CharField(max_length=32)
    # Learned on the first fetch and pinned afterwards: another feed under the same key
    # (or the same URL) is refused.
    feed_id = models.CharField(max_length=36, blank=True)
    trusted = models.BooleanField(
        _("trusted for scam intelligence"),
        default=False,
        help_text=_("Its confirmed scams feed “Is this really us?” without review."),
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    pause_reason = models.CharField(max_length=300, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    cursor = models.BigIntegerField(default=0)
    etag = models.CharField(max_length=120, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account", "url"], name="peering_subscription_url"),
            models.CheckConstraint(
                condition=Q(status__in=["active", "paused"]), name="peering_subscription_status"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_paused(self) -> bool:
        return self.status == self.Status.PAUSED


class ReceivedItem(models.Model):
    """The latest verified version of one item of a peer's feed, and what we did with it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        REMOVED = "removed", _("Removed at the source")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="items")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    item_type = models.CharField(max_length=40)
    item_key = models.CharField(max_length=200)
    version = models.PositiveIntegerField()
    deleted = models.BooleanField(default=False)
    body = models.JSONField(null=True, blank=True)
    body_hash = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=128)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    applied_version = models.PositiveIntegerField(null=True, blank=True)
    # The local copy: a knowledge-base article, a reported scam (set by the importers).
    local_article = models.ForeignKey(
        "kb.Article", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "item_type", "item_key"], name="peering_received_unique"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "accepted", "rejected", "removed"]),
                name="peering_received_state",
            ),
        ]
        indexes = [models.Index(fields=["account", "state"])]

    def __str__(self) -> str:
        return f"{self.item_type}:{self.item_key}@{self.version}"
