"""A call between a widget customer and the agent assigned to their case.

Only the facts of a call are stored (who rang, when it was answered and ended, its
outcome, whether the customer agreed to a recording): never the signalling itself (SDP
offers and answers, ICE candidates), which only passes through the sockets."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CallSettings(models.Model):
    """Per-account call options. Recording is off unless an administrator turns it on,
    and even then a call is recorded only when its customer agrees in the widget."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    calls_enabled = models.BooleanField(_("calls enabled"), default=True)
    recording_enabled = models.BooleanField(
        _("record calls when the customer agrees"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)


class Call(models.Model):
    class Status(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        ACTIVE = "active", _("In progress")
        ENDED = "ended", _("Ended")

    class Outcome(models.TextChoices):
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        MISSED = "missed", _("Missed")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    class Side(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        AGENT = "agent", _("Agent")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="calls"
    )
    agent = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    started_by = models.CharField(max_length=16, choices=Side.choices)
    video = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RINGING)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    # The sockets (channel-layer names) of the two parties: signalling goes to these only.
    # The callee's is set when they accept on one of their tabs.
    customer_channel = models.CharField(max_length=200, blank=True)
    agent_channel = models.CharField(max_length=200, blank=True)
    # The account allowed recording when the call started, and the customer agreed.
    recording_allowed = models.BooleanField(default=False)
    recording_consent_at = models.DateTimeField(null=True, blank=True)
    rang_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-rang_at", "-id"]
        constraints = [
            # At most one call rings or runs per conversation.
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(status__in=["ringing", "active"]),
                name="call_one_live_per_conversation",
            ),
            models.CheckConstraint(
                condition=Q(status="ended", ended_at__isnull=False)
                | (~Q(status="ended") & Q(ended_at__isnull=True)),
                name="call_ended_has_time",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(status="ringing"),
                name="call_ringing_not_answered",
            ),
            models.CheckConstraint(
                condition=Q(recording_consent_at__isnull=True) | Q(recording_allowed=True),
                name="call_consent_needs_recording_allowed",
            ),
        ]

    def __str__(self) -> str:
        return f"call {self.pk} ({self.status})"

    @property
    def duration_seconds(self) -> int:
        """Talk time: from the answer to the end (0 for a call nobody answered)."""
        if self.answered_at is None or self.ended_at is None:
            return 0
        return max(0, int((self.ended_at - self.answered_at).total_seconds()))


def recording_path(instance: CallRecording, filename: str) -> str:
    import uuid

    # Random, like message attachments: nothing the browser sent becomes part of a path.
    return f"call-recordings/{instance.call.conversation_id}/{uuid.uuid4().hex}"


class CallRecording(models.Model):
    """The audio of one call, recorded in the agent's browser and uploaded when the call
    ended; stored through Django's default storage (object storage when configured)."""

    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="recording")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.FileField(upload_to=recording_path, max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"recording of call {self.call_id}"
