"""Business hours, SLA policies and the clocks that time each conversation (docs/sla.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

DAY_MINUTES = 24 * 60


class BusinessHours(models.Model):
    """Opening hours of an account (team empty) or of one team, in one time zone."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One account-wide schedule; teams have their own through the one-to-one.
            models.UniqueConstraint(
                fields=["account"], condition=Q(team__isnull=True), name="sla_hours_one_default"
            ),
        ]


class BusinessInterval(models.Model):
    """One open interval of a weekday; several a day make split shifts."""

    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField()  # Monday = 0
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()  # 1440: midnight at the end of the day

    class Meta:
        ordering = ["weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="sla_interval_weekday"),
            models.CheckConstraint(
                condition=Q(start_minute__lt=models.F("end_minute"), end_minute__lte=DAY_MINUTES),
                name="sla_interval_order",
            ),
        ]


class Holiday(models.Model):
    """A closure on a local date: the whole day, or part of it (a timed calendar event)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        ICS = "ics", _("Imported calendar")

    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(_("name"), max_length=200, blank=True)
    date = models.DateField(_("date"))
    start_minute = models.PositiveSmallIntegerField(default=0)
    end_minute = models.PositiveSmallIntegerField(default=DAY_MINUTES)
    yearly = models.BooleanField(_("every year"), default=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["date", "start_minute"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_minute__lt=models.F("end_minute"), end_minute__lte=DAY_MINUTES),
                name="sla_holiday_order",
            ),
            models.UniqueConstraint(
                fields=["hours", "date", "start_minute", "end_minute"], name="sla_holiday_unique"
            ),
        ]

    @property
    def all_day(self) -> bool:
        return self.start_minute == 0 and self.end_minute == DAY_MINUTES

    @property
    def interval_label(self) -> str:
        a, b = self.start_minute, self.end_minute
        return f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SlaPolicy(models.Model):
    """Conditions → targets. The first active policy (by position) whose every set
    condition matches a conversation applies to it."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    # Conditions: empty means any.
    inbox = models.ForeignKey(
        "conversations.Inbox", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel_kind = models.CharField(_("channel"), max_length=32, blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    tag = models.ForeignKey(
        "conversations.Tag", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    customer_tier = models.CharField(_("customer tier"), max_length=40, blank=True)
    # Targets in minutes; empty: not timed.
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    business_hours = models.BooleanField(_("count business hours only"), default=True)
    warn_percent = models.PositiveSmallIntegerField(
        _("warn at (percent of the target)"), default=80
    )
    # At a warning: the assignee (else the inbox's agents… see docs) is notified.
    notify_on_warning = models.BooleanField(_("notify on warning"), default=True)
    # At a breach:
    notify_on_breach = models.BooleanField(_("notify on breach"), default=True)
    breach_raise_priority = models.BooleanField(_("raise the priority"), default=False)
    breach_reassign_to = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    breach_escalate_team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=99), name="sla_policy_warn"
            ),
            models.CheckConstraint(
                condition=Q(priority__isnull=True) | Q(priority__lte=3),
                name="sla_policy_priority",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def minutes_for(self, target: str) -> int | None:
        value: int | None = getattr(self, f"{target}_minutes")
        return value


class SlaClock(models.Model):
    """One timed target of one conversation. Running: `running_since` set and `due_at`
    the deadline; paused (waiting on the customer): both empty, `consumed` kept."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        PAUSED = "paused", _("Paused")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="clocks")
    target = models.CharField(max_length=16, choices=Target.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    business = models.BooleanField(default=True)
    budget_seconds = models.PositiveIntegerField()
    consumed_seconds = models.FloatField(default=0.0)
    started_at = models.DateTimeField()
    running_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    met = models.BooleanField(null=True)  # set when done
    # Who and where, when it stopped: what the reports group by.
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel_kind = models.CharField(max_length=32, blank=True)
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "target"],
                condition=Q(state__in=["running", "paused"]),
                name="sla_clock_one_active",
            ),
            models.CheckConstraint(
                condition=~Q(state="running") | Q(running_since__isnull=False),
                name="sla_clock_running_since",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="sla_clock_due"),
            models.Index(fields=["state", "warn_at"], name="sla_clock_warn"),
            models.Index(fields=["conversation", "state"], name="sla_clock_conv"),
            models.Index(fields=["account", "stopped_at"], name="sla_clock_report"),
        ]
