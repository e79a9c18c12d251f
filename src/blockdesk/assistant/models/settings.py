"""Per-inbox configuration of the assistant."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from blockdesk.common.crypto import EncryptedTextField

# Ways customers ask for a person. Matched as whole words (en) or substrings (zh), after
# lower-casing; admins edit the list per language on the settings page.
DEFAULT_HANDOFF_KEYWORDS: dict[str, list[str]] = {
    "en": [
        "human",
        "agent",
        "real person",
        "a person",
        "representative",
        "operator",
        "live chat",
        "live support",
        "customer service",
        "talk to someone",
        "speak to someone",
        "staff",
    ],
    "zh-hans": ["人工", "转人工", "客服", "真人", "人工客服", "找人", "工作人员", "活人"],
}


def default_handoff_keywords() -> dict[str, list[str]]:
    return {lang: list(words) for lang, words in DEFAULT_HANDOFF_KEYWORDS.items()}


# Thresholds of each risk setting when the account has no calibrated model yet: read
# off the held-out operating curve of the model trained on the starter knowledge base
# plus the shipped crypto examples (docs/benchmarks/assistant.md, "risk settings").
FALLBACK_RISK_THRESHOLDS: dict[str, tuple[float, float]] = {
    "precision-first": (0.93, 0.52),
    "balanced": (0.70, 0.19),
    "coverage-first": (0.26, 0.0),
}


def default_business_days() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday..Friday (datetime.weekday())


class AssistantSettings(models.Model):
    class Risk(models.TextChoices):
        # Values are the keys of nlu.calibration.RISK_TARGETS (target answer precision).
        PRECISION_FIRST = (
            "precision-first",
            _("Precision first: answer only when very likely right"),
        )
        BALANCED = "balanced", _("Balanced")
        COVERAGE_FIRST = "coverage-first", _("Coverage first: answer more, accept more mistakes")
        CUSTOM = "custom", _("Custom thresholds (set below)")

    inbox = models.OneToOneField(
        "conversations.Inbox", on_delete=models.CASCADE, related_name="assistant_settings"
    )
    enabled = models.BooleanField(_("assistant answers new conversations"), default=False)
    risk_profile = models.CharField(
        _("answer risk"), max_length=20, choices=Risk.choices, default=Risk.PRECISION_FIRST
    )
    answer_threshold = models.FloatField(
        _("answer when confidence is at least"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    clarify_threshold = models.FloatField(
        _("ask a clarifying question when confidence is at least"),
        default=0.3,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
    )
    # {"en": ["human", ...], "zh-hans": ["人工", ...]}
    handoff_keywords = models.JSONField(
        _("handoff keywords"), default=default_handoff_keywords, blank=True
    )
    # {"en": "Hi! I'm the assistant...", "zh-hans": "..."}; empty: the built-in greeting.
    greeting = models.JSONField(_("greeting"), default=dict, blank=True)
    business_timezone = models.CharField(
        _("business hours time zone"), max_length=64, default="UTC"
    )
    business_days = models.JSONField(_("business days"), default=default_business_days, blank=True)
    business_start = models.TimeField(_("business hours start"), default=dt.time(9, 0))
    business_end = models.TimeField(_("business hours end"), default=dt.time(18, 0))
    # {"en": "...", "zh-hans": "..."}; empty: the built-in out-of-hours text.
    out_of_hours_message = models.JSONField(_("out-of-hours message"), default=dict, blank=True)
    resolution_timeout_minutes = models.PositiveIntegerField(
        _("count as solved after the customer is silent for (minutes)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)],
    )
    # Optional generative phrasing through an OpenAI-compatible endpoint; off by default.
    generative_enabled = models.BooleanField(
        _("phrase answers with a language model"), default=False
    )
    generative_url = models.URLField(_("endpoint base URL"), blank=True, max_length=300)
    generative_model = models.CharField(_("model name"), max_length=100, blank=True)
    generative_api_key = EncryptedTextField(_("API key"), blank=True, default="")
    generative_timeout = models.FloatField(
        _("timeout (seconds)"),
        default=8.0,
        validators=[MinValueValidator(0.5), MaxValueValidator(60.0)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(clarify_threshold__lte=models.F("answer_threshold")),
                name="assistant_clarify_below_answer",
            ),
            models.CheckConstraint(
                condition=Q(answer_threshold__gte=0) & Q(answer_threshold__lte=1),
                name="assistant_answer_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    risk_profile__in=[
                        "precision-first",
                        "balanced",
                        "coverage-first",
                        "custom",
                    ]
                ),
                name="assistant_risk_profile_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"assistant settings of {self.inbox_id}"

    def risk_thresholds(self, model: Any = None) -> tuple[float, float]:
        """(answer, clarify) thresholds this inbox's risk setting asks for: read off the
        calibrated model's held-out operating curve (``IntentModel.thresholds_for``),
        else the starter model's; the stored fields when the setting is custom."""
        if self.risk_profile == self.Risk.CUSTOM:
            return self.answer_threshold, self.clarify_threshold
        found = model.thresholds_for(self.risk_profile) if model is not None else None
        if found is None:
            found = FALLBACK_RISK_THRESHOLDS[self.risk_profile]
        answer, clarify = found
        return float(answer), float(min(clarify, answer))

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.clarify_threshold > self.answer_threshold:
            errors["clarify_threshold"] = _(
                "The clarifying threshold cannot be above the answer threshold."
            )
        if self.generative_enabled and not (self.generative_url and self.generative_model):
            errors["generative_url"] = _("Give the endpoint URL and the model name.")
        if not isinstance(self.handoff_keywords, dict) or not all(
            isinstance(v, list) and all(isinstance(w, str) for w in v)
            for v in self.handoff_keywords.values()
        ):
            errors["handoff_keywords"] = _("Expected a list of words per language.")
        if not isinstance(self.business_days, list) or not all(
            isinstance(d, int) and 0 <= d <= 6 for d in self.business_days
        ):
            errors["business_days"] = _("Expected weekdays 0 (Monday) to 6 (Sunday).")
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(self.business_timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["business_timezone"] = _("Unknown time zone.")
        if errors:
            raise ValidationError(errors)
