from __future__ import annotations

import secrets

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from blockdesk.common.crypto import EncryptedTextField

SECRET_PREFIX = "whsec"  # noqa: S105  (a prefix, not a secret)


def new_webhook_secret() -> str:
    return f"{SECRET_PREFIX}_{secrets.token_urlsafe(32)}"


class Webhook(models.Model):
    """An outbound subscription: domain events of the account are POSTed to `url`,
    signed with `secret` (kept encrypted; admins can read it to verify signatures)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    secret = EncryptedTextField(default=new_webhook_secret, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["account", "active"])]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery status", "Pending")
        RETRYING = "retrying", _("Retrying")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=64)
    # The event-log event this delivers (no foreign key: the log is purged, the delivery
    # history stays). Null for pings and for deliveries made before the event log.
    event_id = models.BigIntegerField(null=True, blank=True)
    # What is sent: the event's envelope (events.services.envelope).
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When the next attempt is due; while an attempt runs, a lease that keeps a
    # duplicate task from sending it twice. Null once it succeeded or gave up.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["webhook", "-created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "retrying", "succeeded", "failed"]),
                name="webhook_delivery_status_valid",
            ),
            # One delivery per (webhook, event), whichever worker fans the event out.
            models.UniqueConstraint(
                fields=["webhook", "event_id"],
                condition=models.Q(event_id__isnull=False),
                name="webhook_delivery_once_per_event",
            ),
        ]
