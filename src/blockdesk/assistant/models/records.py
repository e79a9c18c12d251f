"""What the assistant did: its state per conversation, one turn per customer message
(for analytics per intent), and agents' corrections (training data)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AssistantConversation(models.Model):
    """The assistant's side of one conversation."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Handled by the assistant")
        HANDED_OFF = "handed_off", _("Handed off to a person")
        RESOLVED = "resolved", _("Resolved by the assistant")

    class Awaiting(models.TextChoices):
        NOTHING = "", _("Nothing")
        CONFIRMATION = "confirmation", _("Did the answer help?")
        CLARIFICATION = "clarification", _("Which topic?")

    class ResolvedBy(models.TextChoices):
        NONE = "", _("Not resolved")
        CONFIRMED = "confirmed", _("Customer confirmed")
        TIMEOUT = "timeout", _("Customer left satisfied (no reply)")

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="assistant"
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    language = models.CharField(max_length=16, blank=True)
    awaiting = models.CharField(max_length=16, choices=Awaiting.choices, blank=True, default="")
    # Article keys offered as options of the pending clarifying question.
    options = models.JSONField(default=list, blank=True)
    # Every article key offered in this conversation, in order (for the handoff note).
    offered = models.JSONField(default=list, blank=True)
    greeted = models.BooleanField(default=False)
    # When a pending "did this solve it?" counts as yes because the customer went quiet.
    resolve_after = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(
        max_length=16, choices=ResolvedBy.choices, blank=True, default=""
    )
    handoff_reason = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "resolve_after"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(awaiting="confirmation") | Q(resolve_after__isnull=False),
                name="assistant_confirmation_has_deadline",
            )
        ]


class AssistantTurn(models.Model):
    """The assistant's handling of one customer message."""

    class Action(models.TextChoices):
        ANSWER = "answer", _("Answered from an article")
        CLARIFY = "clarify", _("Asked a clarifying question")
        DIAGNOSE = "diagnose", _("Diagnosed a transaction")
        HANDOFF = "handoff", _("Handed off to a person")
        CONFIRMED = "confirmed", _("Customer confirmed it was solved")
        IGNORED = "ignored", _("Not handled")

    class Outcome(models.TextChoices):
        PENDING = "pending", pgettext_lazy("assistant outcome", "Pending")
        RESOLVED = "resolved", _("Resolved by the assistant")
        HANDED_OFF = "handed_off", _("Handed off")
        CORRECTED = "corrected", _("Corrected by an agent")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="assistant_turns"
    )
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="assistant_turn"
    )
    reply = models.ForeignKey(
        "conversations.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assistant_source_turns",
    )
    language = models.CharField(max_length=16, blank=True)
    intent = models.CharField(max_length=100, blank=True)  # article key, "oos", or ""
    confidence = models.FloatField(default=0.0)
    is_oos = models.BooleanField(default=False)
    # [{"intent": key, "probability": p}, ...] most likely first
    alternatives = models.JSONField(default=list, blank=True)
    # [{"key": ..., "score": ..., "language": ...}] from KB search (the second opinion)
    search_hits = models.JSONField(default=list, blank=True)
    entities = models.JSONField(default=dict, blank=True)
    mood = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    article_key = models.CharField(max_length=100, blank=True)
    handoff_reason = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    latency_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["account", "intent"]),
            models.Index(fields=["conversation", "id"]),
        ]


class Correction(models.Model):
    """An agent's "wrong answer, should have been article X": becomes a training example
    (the customer's question labelled with the right article)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    turn = models.ForeignKey(
        AssistantTurn, on_delete=models.SET_NULL, null=True, blank=True, related_name="corrections"
    )
    reply = models.ForeignKey(
        "conversations.Message", on_delete=models.CASCADE, related_name="assistant_corrections"
    )
    question = models.TextField()  # the customer's message (already redacted on intake)
    wrong_key = models.CharField(max_length=100, blank=True)
    correct_key = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reply", "created_by"], name="correction_once_per_agent"
            )
        ]
