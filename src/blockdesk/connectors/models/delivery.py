"""One outbound message's way to a platform (connectors/contract_delivery.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboundDelivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="+"
    )
    # Denormalised for the sweep and for scoping without a join through the message.
    inbox = models.ForeignKey("conversations.Inbox", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due; while one runs it holds a lease a few minutes ahead,
    # so a second worker does not send it again. None: nothing to do.
    due_at = models.DateTimeField(null=True, blank=True)
    platform_message_id = models.CharField(max_length=255, blank=True)
    # Agents read it: the platform's answer or the error's type, never a credential.
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["due_at"]), models.Index(fields=["platform_message_id"])]

    def __str__(self) -> str:
        return f"delivery of message {self.message_id}: {self.status}"
