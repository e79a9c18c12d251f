"""Surge mode: an account's thresholds and prepared texts (SurgeSettings) and each surge
it lived through (Surge), open while ended_at is empty — at most one open per account."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from blockdesk.accounts.models import Account


class SurgeSettings(models.Model):
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="+")
    auto_detect = models.BooleanField(_("detect surges automatically"), default=True)
    factor = models.FloatField(
        _("factor over the forecast"),
        default=2.0,
        validators=[MinValueValidator(1.1), MaxValueValidator(100.0)],
        help_text=_("A surge starts when arrivals exceed the forecast times this factor."),
    )
    min_arrivals = models.PositiveIntegerField(
        _("minimum arrivals"),
        default=20,
        validators=[MinValueValidator(1)],
        help_text=_("Fewer new conversations than this in the window never start a surge."),
    )
    window_minutes = models.PositiveIntegerField(
        _("window (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
    )
    calm_minutes = models.PositiveIntegerField(
        _("calm time before it ends (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
        help_text=_(
            "An automatic surge ends once arrivals stay at or below the forecast this long."
        ),
    )
    aht_seconds = models.PositiveIntegerField(
        _("handle time for the wait estimate (seconds)"),
        default=300,
        validators=[MinValueValidator(10), MaxValueValidator(24 * 3600)],
    )
    incident_answer_en = models.TextField(
        _("incident answer (English)"), blank=True, max_length=2000
    )
    incident_answer_zh = models.TextField(
        _("incident answer (Chinese)"), blank=True, max_length=2000
    )
    widget_notice_en = models.CharField(_("widget notice (English)"), blank=True, max_length=300)
    widget_notice_zh = models.CharField(_("widget notice (Chinese)"), blank=True, max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(factor__gt=1.0), name="staffing_surge_factor_gt_1"),
        ]


class Surge(models.Model):
    class StartedBy(models.TextChoices):
        AUTO = "auto", _("Automatic")
        AGENT = "agent", _("An agent")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    started_by = models.CharField(max_length=8, choices=StartedBy.choices)
    started_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ended_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When arrivals last fell to the forecast or below (cleared when they rise again).
    calm_since = models.DateTimeField(null=True, blank=True)
    arrivals = models.PositiveIntegerField(default=0)  # in the window that started it
    expected = models.FloatField(default=0.0)  # the forecast for that window

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(ended_at__isnull=True),
                name="staffing_one_open_surge",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="staffing_surge_ends_after_start",
            ),
        ]


class StaffingSchedule(models.Model):
    """The agents an account has scheduled per hour of the week (168 numbers, Monday 00:00
    to Sunday 23:00 in the account's time zone), saved from the staffing page so the plan
    is compared with the same roster on every visit."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="+")
    hours = models.JSONField(_("agents scheduled per hour of the week"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        hours = self.hours
        if not (
            isinstance(hours, list)
            and len(hours) == 168
            and all(isinstance(h, int) and 0 <= h <= 100_000 for h in hours)
        ):
            raise ValidationError({"hours": _("168 whole numbers of agents, one per hour.")})
