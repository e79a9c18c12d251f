"""Routing state: per-inbox settings, per-agent capacity, skills and presence, the open
sockets behind presence, and what routing knows about each case (docs/routing.md)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InboxRouting(models.Model):
    class Mode(models.TextChoices):
        OFF = "off", _("Off")
        ROUND_ROBIN = "round_robin", _("Round robin")
        BALANCED = "balanced", _("Balanced by current load")

    inbox = models.OneToOneField(
        "conversations.Inbox", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(
        _("auto-assignment"), max_length=16, choices=Mode.choices, default=Mode.OFF
    )
    # 0: never. Only automatic assignments are taken back: a human's choice stands.
    silence_minutes = models.PositiveIntegerField(
        _("reassign after silence (minutes)"),
        default=0,
        validators=[MaxValueValidator(7 * 24 * 60)],
    )
    # For the customer's estimated wait: how long a case usually keeps an agent busy.
    handle_minutes = models.PositiveIntegerField(
        _("typical handling time (minutes)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    show_queue_in_widget = models.BooleanField(
        _("show the queue position in the widget"), default=True
    )
    # Round robin's pointer: the agent who got the last case.
    last_agent = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )


class AgentRouting(models.Model):
    class Presence(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, primary_key=True, related_name="routing"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=5, validators=[MaxValueValidator(200)]
    )
    # {"email": 10, "web_widget": 3}: a limit per channel kind inside the total.
    channel_capacity = models.JSONField(default=dict, blank=True)
    languages = models.JSONField(default=list, blank=True)  # ["en", "zh"]
    chains = models.JSONField(default=list, blank=True)  # chain keys: ["tron", "ethereum"]
    topics = models.JSONField(default=list, blank=True)  # intents, article keys, tags
    presence = models.CharField(max_length=8, choices=Presence.choices, default=Presence.OFFLINE)
    # True when the agent chose away/offline by hand: activity then does not override it.
    presence_manual = models.BooleanField(default=False)
    presence_changed_at = models.DateTimeField(null=True, blank=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "presence"])]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__lte=200), name="routing_capacity_max")
        ]


class AgentSocket(models.Model):
    """One open console socket: presence by activity, shared by every node (not process
    memory). Rows whose heartbeat stopped (a node that died) expire."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "last_seen_at"])]


class RoutedCase(models.Model):
    """What routing knows of a case: its language, chains and topics, whether a human owns
    the assignment, its place in the queue, and since when the assignee owes a reply."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey("conversations.Inbox", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=16, blank=True)
    # Where the language came from: "assistant" beats "contact" beats "script".
    language_source = models.CharField(max_length=16, blank=True)
    chains = models.JSONField(default=list, blank=True)
    topics = models.JSONField(default=list, blank=True)
    priority = models.PositiveSmallIntegerField(default=2)
    # A person (agent or API token) or another rule set the assignee: never overridden.
    manual = models.BooleanField(default=False)
    # The agent routing assigned last (to tell its own assignment events from others').
    routed_to = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Agents not to route this case to again (silent once, or gave it up).
    excluded = models.JSONField(default=list, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    # Since when the assignee owes the customer a reply (None: nothing owed).
    awaiting_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["inbox", "priority", "queued_at"],
                name="routing_queue",
                condition=Q(queued_at__isnull=False),
            ),
            models.Index(
                fields=["awaiting_since"],
                name="routing_awaiting",
                condition=Q(awaiting_since__isnull=False, manual=False),
            ),
        ]
