"""Votes, reputation, badges and flags.

Every point of reputation is a `ReputationEntry` row with a unique `source` ("vote:17",
"accept:9"), so a replayed request or a second tab can never add a point twice; the
per-member total in `MemberStats` is kept in the same transaction, and so are the
per-period sums in `PeriodPoints` the leaderboard reads (week, month, and all time per
category)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Vote(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    voter = models.ForeignKey(
        "customers.CustomerAccount", on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        "forum.Question", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    answer = models.ForeignKey(
        "forum.Answer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    value = models.SmallIntegerField()
    # Keyed hash of the client address: limits many accounts voting from one address.
    ip_hash = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["voter", "question"],
                condition=Q(question__isnull=False),
                name="forum_vote_once_per_question",
            ),
            models.UniqueConstraint(
                fields=["voter", "answer"],
                condition=Q(answer__isnull=False),
                name="forum_vote_once_per_answer",
            ),
            models.CheckConstraint(condition=Q(value__in=[-1, 1]), name="forum_vote_value"),
            models.CheckConstraint(
                condition=Q(question__isnull=False) ^ Q(answer__isnull=False),
                name="forum_vote_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["ip_hash", "question"]),
            models.Index(fields=["ip_hash", "answer"]),
        ]


class ReputationEntry(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "customers.CustomerAccount", on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "forum.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    points = models.IntegerField()
    source = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "source"], name="forum_rep_source_unique")
        ]
        indexes = [
            # Covering for the leaderboard sums: no table access for a period's ranking.
            models.Index(
                fields=["account", "created_at", "member", "points"], name="forum_rep_period"
            ),
        ]


class MemberStats(models.Model):
    """One row per member: the running total and the level it unlocks."""

    member = models.OneToOneField(
        "customers.CustomerAccount",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="forum_stats",
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    reputation = models.IntegerField(default=0)
    trust_level = models.PositiveSmallIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["account", "-reputation"], name="forum_stats_rank")]


class BadgeAward(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "customers.CustomerAccount", on_delete=models.CASCADE, related_name="+"
    )
    badge = models.CharField(max_length=40)
    awarded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "badge"], name="forum_badge_once")]


class Flag(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "spam"
        SCAM = "scam", "scam"
        OFFENSIVE = "offensive", "offensive"
        OFF_TOPIC = "off_topic", "off_topic"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    flagger = models.ForeignKey(
        "customers.CustomerAccount", on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        "forum.Question", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    answer = models.ForeignKey(
        "forum.Answer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["flagger", "question"],
                condition=Q(question__isnull=False),
                name="forum_flag_once_question",
            ),
            models.UniqueConstraint(
                fields=["flagger", "answer"],
                condition=Q(answer__isnull=False),
                name="forum_flag_once_answer",
            ),
        ]


class NotificationSent(models.Model):
    """One email per (event, recipient): the at-least-once consumer's idempotency key."""

    event_id = models.BigIntegerField()
    member = models.ForeignKey(
        "customers.CustomerAccount", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16)  # answer, mention
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_id", "member"], name="forum_notification_once")
        ]


class PeriodPoints(models.Model):
    """Points per member in one calendar week or month, overall (scope 0) and per category
    (scope = category id): the leaderboard for a period is one index range, already sorted,
    instead of a sum over every entry of the period."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "customers.CustomerAccount", on_delete=models.CASCADE, related_name="+"
    )
    # "w" (ISO week, from Monday), "m" (month) or "a" (all time, start 1970-01-01, per
    # category only: the overall all-time total is MemberStats.reputation).
    kind = models.CharField(max_length=1)
    start = models.DateField()
    scope = models.BigIntegerField(default=0)
    points = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "start", "scope"], name="forum_period_points_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["account", "kind", "start", "scope", "-points"], name="forum_period_rank"
            )
        ]
