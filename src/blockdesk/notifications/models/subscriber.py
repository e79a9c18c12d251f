"""Mailing lists that customers subscribe to by email (announcements, the status page):
double opt-in, one-click unsubscribe, and the mailings sent to them in batches.

No token is stored: a subscriber's confirmation and unsubscribe links carry a keyed HMAC of
its id and salt (`notifications/subscriptions.py`), and only the SHA-256 of each link token is
kept for the lookup. A database leak alone gives no working link."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ListSubscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("subscription", "Waiting for confirmation")
        CONFIRMED = "confirmed", pgettext_lazy("subscription", "Subscribed")
        UNSUBSCRIBED = "unsubscribed", pgettext_lazy("subscription", "Unsubscribed")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    # Which list: "announcements", "status" (the owning app's constant).
    list_name = models.CharField(max_length=32)
    email = models.EmailField(_("email"), max_length=254)
    language = models.CharField(max_length=16, default="en")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Renewed on each (re-)subscription: every older link stops working.
    salt = models.CharField(max_length=32)
    confirm_hash = models.CharField(max_length=64, unique=True)
    unsubscribe_hash = models.CharField(max_length=64, unique=True)
    confirm_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "list_name", "email"], name="list_subscriber_once"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "confirmed", "unsubscribed"]),
                name="list_subscriber_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="confirmed") | models.Q(confirmed_at__isnull=False),
                name="list_subscriber_confirmed_has_time",
            ),
        ]
        indexes = [models.Index(fields=["account", "list_name", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.list_name} subscriber {self.pk}"


class ListMailing(models.Model):
    """One email to every confirmed subscriber of a list, sent in batches by tasks.

    `content` holds the rendered email per language ({lang: {subject, text, html}}): the
    batches need nothing from the app that asked. `last_subscriber_id` moves before a batch
    is sent (compare-and-set), so a duplicate task never sends a batch twice."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    list_name = models.CharField(max_length=32)
    # What it is about, unique per list: "post:12", "incident-update:40".
    key = models.CharField(max_length=80)
    content = models.JSONField(default=dict)
    last_subscriber_id = models.BigIntegerField(default=0)
    sent_count = models.PositiveIntegerField(default=0)
    failed_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "list_name", "key"], name="list_mailing_once"
            ),
        ]
        indexes = [models.Index(fields=["finished_at", "updated_at"])]

    def __str__(self) -> str:
        return f"{self.list_name} mailing {self.key}"
