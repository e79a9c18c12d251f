"""The status page: components with a state, incidents (and scheduled maintenance) with
their updates, and every state change kept for the history and the uptime bars."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class State(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    DEGRADED = "degraded", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")
    MAINTENANCE = "maintenance", pgettext_lazy("component state", "Under maintenance")


# Worse first: a day's bar shows its worst state.
SEVERITY = {
    State.OPERATIONAL: 0, State.MAINTENANCE: 1, State.DEGRADED: 2,
    State.PARTIAL_OUTAGE: 3, State.MAJOR_OUTAGE: 4,
}  # fmt: skip


class Component(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80, blank=True)
    group = models.CharField(_("group"), max_length=80, blank=True)
    position = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPERATIONAL)
    # Fed automatically from the chain registry's RPC (watcher.py) when set.
    chain = models.ForeignKey(
        "chain.Chain", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The state was set by the watcher (so it may also clear it) rather than by a person.
    auto_state = models.BooleanField(default=False)
    # Assistant intents / topic words this component covers ("deposit", "withdrawal" …).
    topics = models.JSONField(_("assistant topics"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="status_component_key_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=[
                        "operational",
                        "degraded",
                        "partial_outage",
                        "major_outage",
                        "maintenance",
                    ]
                ),
                name="status_component_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") and self.name_zh else self.name


class StateChange(models.Model):
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="changes")
    state = models.CharField(max_length=16, choices=State.choices)
    at = models.DateTimeField(db_index=True)
    automatic = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["component", "at", "id"]
        indexes = [models.Index(fields=["component", "at"])]


class Incident(models.Model):
    class Kind(models.TextChoices):
        INCIDENT = "incident", _("Incident")
        MAINTENANCE = "maintenance", _("Scheduled maintenance")

    class Status(models.TextChoices):
        INVESTIGATING = "investigating", _("Investigating")
        IDENTIFIED = "identified", _("Identified")
        MONITORING = "monitoring", _("Monitoring")
        RESOLVED = "resolved", _("Resolved")
        SCHEDULED = "scheduled", pgettext_lazy("maintenance", "Scheduled")
        IN_PROGRESS = "in_progress", pgettext_lazy("maintenance", "In progress")
        COMPLETED = "completed", pgettext_lazy("maintenance", "Completed")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INCIDENT)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices)
    # The state the affected components are in while it is open.
    impact = models.CharField(
        _("impact"), max_length=16, choices=State.choices, default=State.DEGRADED
    )
    components = models.ManyToManyField(Component, related_name="incidents", blank=True)
    scheduled_start = models.DateTimeField(_("starts"), null=True, blank=True)
    scheduled_end = models.DateTimeField(_("ends"), null=True, blank=True)
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["account", "resolved_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["resolved", "completed"])
                | models.Q(resolved_at__isnull=False),
                name="status_incident_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class IncidentUpdate(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=Incident.Status.choices)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField()
    author = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
