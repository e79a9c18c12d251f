"""Report tables, kept up to date by the `reports.rollups` event consumer (rollup.py) and
rebuilt from the log by `manage.py reports rebuild`. Never written by a request.

Dimensions are plain integers, 0 for "none" (a NULL in a unique key would let PostgreSQL
keep two rows for one key), and no foreign keys: a rollup row outlives a deleted inbox or
agent, and the benchmark fills these tables without the rows they would point at. Days and
hours are the account's local ones, in the zone `ReportZone` records."""

from __future__ import annotations

from django.db import models

from blockdesk.reports import buckets

# A case's dimensions (CaseState); each table keeps the ones it is keyed by.
DIMENSIONS = ("inbox_id", "channel", "team_id", "agent_id", "language")
PLACE = ("inbox_id", "channel", "team_id", "language")  # DailyRollup, IntentDaily, TagDaily


class ReportZone(models.Model):
    """The time zone an account's report rows are keyed in: the account's time zone
    (accounts/zones.py) when the consumer first counted for it. It stays until the tables
    are rebuilt, so a change of zone never mixes two zones' days in one table; the page
    says when the account's zone has changed since (docs/reports.md)."""

    account_id = models.BigIntegerField(unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")


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


class Counts(models.Model):
    """The counters and duration histograms of a day (bucket columns `frt_0…`, `frtb_0…`,
    `res_0…`, `resb_0…` are added below: first response and resolution, in calendar and in
    business time)."""

    account_id = models.BigIntegerField()
    day = models.DateField()
    team_id = models.BigIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    first_responses = models.PositiveIntegerField(default=0)
    frt_sum = models.FloatField(default=0)
    frtb_sum = models.FloatField(default=0)
    resolved = models.PositiveIntegerField(default=0)  # every resolution, reopened or not
    first_resolved = models.PositiveIntegerField(default=0)  # a case's first resolution
    res_sum = models.FloatField(default=0)
    resb_sum = models.FloatField(default=0)
    # First resolutions of cases an agent answered: the denominator of FCR.
    agent_resolved = models.PositiveIntegerField(default=0)
    fcr = models.IntegerField(default=0)
    reopened_7d = models.IntegerField(default=0)
    reopens = models.PositiveIntegerField(default=0)
    agent_replies = models.PositiveIntegerField(default=0)
    assistant_handled = models.PositiveIntegerField(default=0)
    assistant_resolved = models.PositiveIntegerField(default=0)
    assistant_handoffs = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


for _measure in buckets.MEASURES:
    for _name in buckets.columns(_measure):
        Counts.add_to_class(_name, models.PositiveIntegerField(default=0))


class DailyRollup(Counts):
    """Per local day, inbox (and its channel), team and language; with the new conversations
    of each local hour (`created_h0…created_h23`: the heat map; a fall-back hour that
    happens twice counts in one column, a skipped spring hour stays empty).
    No agent: the account's figures read a few rows a day however many agents answer."""

    inbox_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=8, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "day", "inbox_id", "channel", "team_id", "language"],
                name="reports_daily_key",
            )
        ]
        indexes = [models.Index(fields=["account_id", "day"], name="reports_daily_day")]


for _hour in range(24):
    DailyRollup.add_to_class(f"created_h{_hour}", models.PositiveIntegerField(default=0))


class AgentDaily(Counts):
    """The same counters per local day, agent and team (the agent who answered, the assignee
    who resolved): the per-agent figures and the agent filter."""

    agent_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "day", "agent_id", "team_id"], name="reports_agent_key"
            )
        ]
        indexes = [models.Index(fields=["account_id", "day"], name="reports_agent_day")]


class IntentDaily(models.Model):
    """Cases per assistant intent (the article key it answered from) and day: handled,
    resolved by the assistant (deflected), handed to a person."""

    account_id = models.BigIntegerField()
    day = models.DateField()
    intent = models.CharField(max_length=100, blank=True)
    inbox_id = models.BigIntegerField(default=0)
    channel = models.CharField(max_length=32, blank=True)
    team_id = models.BigIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)
    handled = models.PositiveIntegerField(default=0)
    deflected = models.PositiveIntegerField(default=0)
    handed_off = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "day", "intent", *PLACE], name="reports_intent_key"
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
    language = models.CharField(max_length=8, blank=True)
    added = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id", "day", "tag", *PLACE], name="reports_tag_key"
            )
        ]
        indexes = [models.Index(fields=["account_id", "day"], name="reports_tag_day")]
