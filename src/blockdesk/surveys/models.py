"""Satisfaction surveys: the account's settings, CSAT offers and their answers (kept apart
so the response rate is known), NPS surveys and answers, and post-resolution follow-ups."""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _public_id() -> str:
    return secrets.token_urlsafe(12)


class SurveySettings(models.Model):
    class Scale(models.TextChoices):
        FIVE = "five", _("1 to 5")
        EMOJI = "emoji", _("Five faces")
        THUMBS = "thumbs", _("Thumbs up or down")

    class LowAction(models.TextChoices):
        REOPEN = "reopen", _("Reopen the conversation")
        FLAG = "flag", _("Flag it for a lead (tag “csat-low”)")
        NOTHING = "nothing", _("Nothing")

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    csat_enabled = models.BooleanField(_("ask for a rating after resolution"), default=True)
    csat_delay_minutes = models.PositiveIntegerField(
        _("delay after resolution (minutes)"), default=10, validators=[MaxValueValidator(43200)]
    )
    csat_scale = models.CharField(
        _("rating scale"), max_length=8, choices=Scale.choices, default=Scale.FIVE
    )
    low_rating_threshold = models.PositiveSmallIntegerField(
        _("low rating: at or below"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    low_rating_action = models.CharField(
        _("on a low rating"), max_length=8, choices=LowAction.choices, default=LowAction.FLAG
    )
    nps_enabled = models.BooleanField(_("send NPS surveys"), default=False)
    nps_interval_days = models.PositiveIntegerField(
        _("at most once per contact every (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    nps_active_days = models.PositiveIntegerField(
        _("active customers: a conversation in the last (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    # When the NPS sweep next looks at this account (a daily pass, not every 30 s).
    nps_next_run_at = models.DateTimeField(null=True, blank=True)
    followup_enabled = models.BooleanField(_("check in after resolution"), default=False)
    followup_days = models.PositiveIntegerField(
        _("check in after (days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    followup_tags = models.JSONField(_("for conversations tagged"), default=list, blank=True)
    followup_intents = models.JSONField(_("or with the intents"), default=list, blank=True)
    followup_message = models.TextField(_("check-in message"), blank=True, max_length=2000)
    publish_figures = models.BooleanField(_("publish the figures on a public page"), default=False)
    public_id = models.CharField(max_length=32, unique=True, default=_public_id)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(low_rating_threshold__gte=1) & Q(low_rating_threshold__lte=4),
                name="survey_low_threshold_range",
            ),
        ]

    def __str__(self) -> str:
        return f"survey settings of account {self.account_id}"


class CsatOffer(models.Model):
    """One invitation to rate a case. An automatic offer follows a resolution; an agent may
    skip it (the row stays, status skipped) or send one by hand."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", _("Cancelled (reopened)")

    class Source(models.TextChoices):
        AUTO = "auto", _("After resolution")
        MANUAL = "manual", _("Sent by an agent")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    scale = models.CharField(max_length=8, choices=SurveySettings.Scale.choices)
    # The event (conversation resolved) that scheduled it: a redelivered event is a no-op.
    resolve_event_id = models.BigIntegerField(null=True, blank=True, unique=True)
    due_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # At most one live automatic offer per case: a reopened and re-resolved case is
            # not asked twice (a cancelled offer leaves room for the next resolution).
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(source="auto") & ~Q(status="cancelled"),
                name="csat_one_auto_offer",
            ),
            models.CheckConstraint(
                condition=~Q(status="scheduled") | Q(due_at__isnull=False),
                name="csat_scheduled_has_due",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="csat_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["account", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"CSAT offer {self.pk} for conversation {self.conversation_id}"


class CsatResponse(models.Model):
    """The customer's answer. One per offer (the database refuses a second)."""

    class Via(models.TextChoices):
        WIDGET = "widget", _("Widget")
        LINK = "link", _("Rating page")

    offer = models.OneToOneField(CsatOffer, on_delete=models.CASCADE, related_name="response")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    # Stored on one scale, 1–5, whatever the account showed (thumbs: 1 or 5).
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True, max_length=2000)
    via = models.CharField(max_length=8, choices=Via.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5), name="csat_score_range"
            ),
        ]
        indexes = [models.Index(fields=["account", "created_at"])]


class NpsSurvey(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Could not be sent")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENT)
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["contact", "sent_at"]),
            models.Index(fields=["account", "sent_at"]),
        ]


class NpsResponse(models.Model):
    survey = models.OneToOneField(NpsSurvey, on_delete=models.CASCADE, related_name="response")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    reason = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__lte=10), name="nps_score_range"),
        ]
        indexes = [models.Index(fields=["account", "created_at"])]


class FollowUp(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled (reopened)")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    resolve_event_id = models.BigIntegerField(unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    reason = models.JSONField(default=dict, blank=True)  # {"tags": [...], "intents": [...]}

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"])]


class CaseIntent(models.Model):
    """The intents the assistant recognised in a case (from its `assistant.answered`
    events), so a follow-up can be chosen by intent without importing the assistant."""

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    intent = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "intent"], name="case_intent_unique")
        ]
