"""Report tables, kept up to date by the `reports.rollups` event consumer (rollup.py) and
rebuilt from the log by `manage.py reports rebuild`. Never written by a request.

Dimensions are plain integers, 0 for "none" (a NULL in a unique key would let PostgreSQL
keep two rows for one key), and no foreign keys: a rollup row outlives a deleted inbox or
agent, and the benchmark fills these tables without the rows they would point at. Days and
hours are UTC."""

from __future__ import annotations

from django.db import models

from blockdesk.reports import buckets

DIMENSIONS = ("inbox_id", "channel", "team_id", "agent_id", "language")


class CaseState(models.Model):
    """What the consumer must remember of a conversation between its events: when it
    started, its dimensions now, its first agent reply and first resolution."""

    account_id = models.BigIntegerField()
    conversation_id = models.BigIntegerField(unique=True)
    inbox_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=32, blank=True)
    team_id = models.BigIntegerField(default=0)
    agent_id = models.BigIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField()
    first_reply_at = models.DateTimeField(null=True, blank=True)
    agent_replies = models.PositiveIntegerField(default=0)
    resolutions = models.PositiveIntegerField(default=0)
    # The first resolution, and the dimensions it was counted under: a reopening within
    # 7 days takes its first-contact resolution back from that row.
    first_resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_key = models.JSONField(default=dict, blank=True)
    fcr = models.BooleanField(default=False)
    reopened_7d = models.BooleanField(default=False)
    intents = models.JSONField(default=list, blank=True)
    assistant_outcome = models.CharField(max_length=12, blank=True)


class DailyRollup(models.Model):
    """Counts and duration histograms per UTC day and dimensions (bucket columns
    `frt_0…`, `frtb_0…`, `res_0…`, `resb_0…` are added below: first response and
    resolution, in calendar and in business time)."""

    account_id = models.BigIntegerField()
    day = models.DateField()
    inbox_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=32, blank=True)
    team_id = models.BigIntegerField(default=0)
    agent_id = models.BigIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)
    created = models.PositiveIntegerField(default=0)
    first_responses = models.PositiveIntegerField(default=0)
    frt_sum = models.FloatField(default=0)
    frtb_sum = models.FloatField(default=0)
    resolved = models.PositiveIntegerField(default=0)  # every resolution, reopened or not
    first_resolved = models.PositiveIntegerField(default=0)  # a case's first resolution
    res_sum = models.FloatField(default=0)
    resb_sum = models.FloatField(default=0)
    # First resolutions of cases an agent answered: the denominator of FCR and reopen rate.
    agent_resolved = models.PositiveIntegerField(default=0)
    fcr = models.IntegerField(default=0)
    reopened_7d = models.IntegerField(default=0)
    reopens = models.PositiveIntegerField(default=0)
    agent_replies = models.PositiveIntegerField(default=0)
    assistant_handled = models.PositiveIntegerField(default=0)
    assistant_resolved = models.PositiveIntegerField(default=0)
    assistant_handoffs = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "day", *DIMENSIONS], name="reports_daily_key"
            )
        ]
        indexes = [models.Index(fields=["account_id", "day"], name="reports_daily_day")]


for _measure in buckets.MEASURES:
    for _name in buckets.columns(_measure):
        DailyRollup.add_to_class(_name, models.PositiveIntegerField(default=0))


class HourlyVolume(models.Model):
    """New conversations per UTC hour: the hour-of-day × day-of-week heat map in the
    reader's time zone."""

    account_id = models.BigIntegerField()
    hour = models.DateTimeField()
    inbox_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=32, blank=True)
    team_id = models.BigIntegerField(default=0)
    agent_id = models.BigIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)
    created = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "hour", *DIMENSIONS], name="reports_hourly_key"
            )
        ]
        indexes = [models.Index(fields=["account_id", "hour"], name="reports_hourly_hour")]


class IntentDaily(models.Model):
    """Cases per assistant intent (the article key it answered from) and day: handled,
    resolved by the assistant (deflected), handed to a person."""

    account_id = models.BigIntegerField()
    day = models.DateField()
    intent = models.CharField(max_length=100, blank=True)
    inbox_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=32, blank=True)
    team_id = models.BigIntegerField(default=0)
    agent_id = models.BigIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)
    handled = models.PositiveIntegerField(default=0)
    deflected = models.PositiveIntegerField(default=0)
    handed_off = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "day", "intent", *DIMENSIONS], name="reports_intent_key"
            )
        ]
        indexes = [models.Index(fields=["account_id", "day"], name="reports_intent_day")]


class TagDaily(models.Model):
    """Tags put on cases per day (a tag counts on the day it was added)."""

    account_id = models.BigIntegerField()
    day = models.DateField()
    tag = models.CharField(max_length=50)
    inbox_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=32, blank=True)
    team_id = models.BigIntegerField(default=0)
    agent_id = models.BigIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)
    added = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "day", "tag", *DIMENSIONS], name="reports_tag_key"
            )
        ]
        indexes = [models.Index(fields=["account_id", "day"], name="reports_tag_day")]
