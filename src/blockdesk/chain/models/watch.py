"""A transaction being followed in the background until it settles."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class TransactionWatch(models.Model):
    class State(models.TextChoices):
        WATCHING = "watching", _("Watching")
        FINISHED = "finished", _("Finished")

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        FAILED = "failed", _("Failed")
        WRONG_NETWORK = "wrong_network", _("Sent on another network")
        DROPPED = "dropped", _("Dropped or replaced")
        TIMEOUT = "timeout", _("Timed out")
        CANCELLED = "cancelled", _("Cancelled")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    tx_hash = models.CharField(max_length=80)
    chain_key = models.CharField(max_length=40, blank=True)
    expected_asset = models.CharField(max_length=16, blank=True)
    expected_amount = models.CharField(max_length=80, blank=True)  # a Decimal, as text
    deposit_address = models.CharField(max_length=100, blank=True)
    memo = models.CharField(max_length=100, blank=True)
    # Free-form routing data for the finished hook, e.g. {"conversation_id": 12}.
    context = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.WATCHING)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    last_status = models.CharField(max_length=24, blank=True)
    last_facts = models.JSONField(default=dict, encoder=DjangoJSONEncoder, blank=True)
    checks = models.PositiveIntegerField(default=0)
    deadline = models.DateTimeField()
    next_check_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_check_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["watching", "finished"]),
                name="chain_watch_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(state="watching", outcome="")
                | (models.Q(state="finished") & ~models.Q(outcome="")),
                name="chain_watch_outcome_when_finished",
            ),
        ]

    def __str__(self) -> str:
        return self.tx_hash
