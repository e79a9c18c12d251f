"""Triage's tables: the account's settings (reference prices, tiers, thresholds), the
score of each conversation with its reasons, the admins' rules and their firings."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TriageSettings(models.Model):
    """One row per account; missing means the defaults (selectors.settings_for)."""

    account = models.OneToOneField("accounts.Account", on_delete=models.CASCADE, related_name="+")
    # Token symbol -> value of one unit in the reference currency, as a decimal string
    # ({"USDT": "1", "BTC": "60000"}). Admin-set: no price feed is fetched.
    reference_prices = models.JSONField(default=dict, blank=True)
    reference_currency = models.CharField(max_length=12, default="USD")
    # Contact attribute `tier` values that count as VIP ("vip", "gold" …).
    vip_tiers = models.JSONField(default=list, blank=True)
    # Score -> priority: at or above `urgent_at` urgent, at or above `high_at` high.
    urgent_at = models.PositiveSmallIntegerField(default=60)
    high_at = models.PositiveSmallIntegerField(default=30)
    # Off: scores and reasons are shown, the priority is left to people and rules.
    set_priority = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(high_at__lte=models.F("urgent_at")) & Q(urgent_at__lte=100),
                name="triagesettings_thresholds_ordered",
            )
        ]


class TriageScore(models.Model):
    """The latest triage of one conversation, recomputed by the `triage.scores` consumer."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="triage"
    )
    score = models.PositiveSmallIntegerField(default=0)  # 0 … 100, the priority score
    urgency = models.PositiveSmallIntegerField(default=0)  # 0 … 100
    complexity = models.PositiveSmallIntegerField(default=0)  # 0 … 100
    # [{"code", "points", "part": "urgency"|"complexity", "params": {…}}], strongest first;
    # the sentence is made when shown, in the reader's language (reasons.py).
    reasons = models.JSONField(default=list, blank=True)
    # The priority triage last set (None: never): an agent who lowers it is not overruled
    # until the score maps higher than that.
    applied_priority = models.PositiveSmallIntegerField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__lte=100) & Q(urgency__lte=100) & Q(complexity__lte=100),
                name="triagescore_range",
            )
        ]
        indexes = [models.Index(fields=["account", "-score"])]


class TriageRule(models.Model):
    """Conditions -> actions, evaluated in `position` order on every relevant event; each
    rule fires at most once per conversation (TriageRuleFiring)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    enabled = models.BooleanField(_("enabled"), default=True)
    position = models.PositiveIntegerField(default=0)
    # rules.Conditions / rules.Actions as JSON (validated by their pydantic models).
    conditions = models.JSONField(default=dict)
    actions = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="triagerule_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class TriageRuleFiring(models.Model):
    rule = models.ForeignKey(TriageRule, on_delete=models.CASCADE, related_name="firings")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    fired_at = models.DateTimeField()
    # What it did: {"priority": …, "team_id": …, "tags": […]} (only the changes made).
    applied = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "conversation"], name="triagerulefiring_once")
        ]
