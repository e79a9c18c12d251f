from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    class SenderType(models.TextChoices):
        CONTACT = "contact", _("Customer")
        AGENT = "agent", _("Agent")
        ASSISTANT = "assistant", _("Assistant")
        SYSTEM = "system", _("System")

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="messages"
    )
    sender_type = models.CharField(max_length=16, choices=SenderType.choices)
    sender_user = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sender_contact = models.ForeignKey(
        "conversations.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    content = models.TextField(blank=True)
    is_private = models.BooleanField(default=False)  # an internal note, never shown to the customer
    # Set by the client so that a retried send is stored once.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    # Structured extras (the assistant's article, confidence, quick replies). Only the
    # "public" sub-object ever reaches the customer; the rest is for agents.
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender_contact", "idempotency_key"],
                condition=Q(sender_contact__isnull=False, idempotency_key__isnull=False),
                name="message_contact_idempotency",
            ),
            models.UniqueConstraint(
                fields=["sender_user", "idempotency_key"],
                condition=Q(sender_user__isnull=False, idempotency_key__isnull=False),
                name="message_user_idempotency",
            ),
            models.CheckConstraint(
                condition=~Q(sender_type="contact", is_private=True),
                name="message_contact_not_private",
            ),
        ]
        indexes = [models.Index(fields=["conversation", "id"])]


def attachment_path(instance: Attachment, filename: str) -> str:
    import uuid

    # The stored name is random: the original name is kept in a field, never trusted as a path.
    return f"attachments/{instance.message.conversation_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
