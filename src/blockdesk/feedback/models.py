"""Suggestions customers post and vote on, the public roadmap's statuses, the conversations
agents link to a suggestion (demand), and the notices sent to voters on a status change.

Everything a customer does is keyed on `conversations.Contact`: the one customer across the
widget, email and (with the customers app) the signed-in public site."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FeedbackSettings(models.Model):
    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    enabled = models.BooleanField(_("public suggestions page"), default=True)
    # Until the forum's trust levels exist every customer has this many live votes; a
    # trust level then adds its bonus (budget.py).
    vote_budget = models.PositiveSmallIntegerField(
        _("votes per customer"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    # Sock puppets: at most this many votes per suggestion from one network address.
    votes_per_address = models.PositiveSmallIntegerField(
        _("votes per suggestion from one address"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    notify_voters = models.BooleanField(_("email voters when a status changes"), default=True)

    def __str__(self) -> str:
        return f"feedback settings of account {self.account_id}"


class Suggestion(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UNDER_REVIEW = "under_review", _("Under review")
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DECLINED = "declined", _("Declined")
        DUPLICATE = "duplicate", _("Duplicate")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        "conversations.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(_("details"), blank=True, max_length=5000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # What the team says about the status (shown on the page and in the email).
    status_note = models.TextField(blank=True, max_length=2000)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    # Denormalised counts, kept by the services under the suggestion's row lock.
    vote_count = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(merged_into__isnull=False),
                name="suggestion_duplicate_has_target",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | ~Q(merged_into=models.F("id")),
                name="suggestion_not_merged_into_itself",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status", "-vote_count"]),
            models.Index(fields=["account", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class Vote(models.Model):
    """One customer's vote. The unique constraint makes a replayed request, a second tab or
    two requests at once one vote; the address hash limits one network's sock puppets."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="votes")
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    # A keyed hash of the client address (never the address itself).
    address_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "contact"], name="vote_once"),
        ]
        indexes = [
            models.Index(fields=["contact"]),
            models.Index(fields=["suggestion", "address_hash"]),
        ]


class DemandLink(models.Model):
    """An agent said this conversation asked for this suggestion. Demand counts distinct
    contacts, so one customer's five conversations are one customer asking."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="links")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "conversation"], name="demand_link_once"),
        ]
        indexes = [models.Index(fields=["suggestion", "contact"])]


class StatusChange(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="changes")
    old = models.CharField(max_length=16)
    new = models.CharField(max_length=16)
    note = models.TextField(blank=True, max_length=2000)
    by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)


class VoterNotice(models.Model):
    """One email to one voter about one status change: the unique constraint makes a task
    that runs twice send once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped (no address)")
        FAILED = "failed", _("Failed")

    change = models.ForeignKey(StatusChange, on_delete=models.CASCADE, related_name="notices")
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["change", "contact"], name="voter_notice_once"),
        ]
