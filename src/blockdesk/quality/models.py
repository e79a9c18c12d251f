"""Agent quality (docs/quality.md): scorecards with weighted criteria, reviews of a
conversation by a lead with one score per criterion, and answers marked as models."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Scale(models.TextChoices):
    FIVE = "five", _("1 to 5")
    PASS_FAIL = "pass_fail", _("Pass or fail")


class Scorecard(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="scorecards"
    )
    name = models.CharField(_("name"), max_length=80)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="quality_scorecard_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="criteria")
    label = models.CharField(_("criterion"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    scale = models.CharField(_("scale"), max_length=16, choices=Scale.choices, default=Scale.FIVE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "label"], name="quality_criterion_label"),
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=100), name="quality_criterion_weight"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Review(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="quality_reviews"
    )
    # PROTECT: a scorecard with reviews is deactivated, never deleted (the scores keep
    # their criteria).
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    # The agent who handled the case (agents are never deleted, only deactivated).
    agent = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="quality_reviews"
    )
    comment = models.TextField(_("comment"), blank=True, max_length=4000)
    # Weighted, 0 to 100 (docs/quality.md says how).
    total = models.DecimalField(max_digits=5, decimal_places=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "reviewer", "scorecard"], name="quality_one_review"
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0, total__lte=100), name="quality_review_total"
            ),
        ]
        indexes = [models.Index(fields=["account", "agent", "created_at"])]


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    # The criterion's scale when scored, copied so the database can check the value.
    scale = models.CharField(max_length=16, choices=Scale.choices)
    value = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="quality_one_score"),
            models.CheckConstraint(
                condition=(
                    Q(scale=Scale.FIVE, value__gte=1, value__lte=5)
                    | Q(scale=Scale.PASS_FAIL, value__in=[0, 1])
                ),
                name="quality_score_in_scale",
            ),
        ]


class ModelAnswer(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="model_answer"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    marked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
