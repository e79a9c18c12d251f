"""History for the staffing forecast, read through the conversations app's scoped selector
(`visible_conversations`): a lead sees the arrivals of the inboxes they can see."""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncHour

from blockdesk.accounts.models import User
from blockdesk.conversations.models import Conversation, Message
from blockdesk.conversations.selectors import visible_conversations

# Handle-time estimate: the span of an agent's public replies in a resolved case, plus the
# time to write one reply, capped (an agent does not work a case for a whole day).
ONE_REPLY_SECONDS = 60.0
MAX_HANDLE_SECONDS = 2 * 3600.0
HANDLE_SAMPLE = 5_000  # latest resolved cases per channel kind


def _scoped(*, user: User, channel_kind: str | None) -> QuerySet[Conversation]:
    qs = visible_conversations(user=user)
    if channel_kind:
        qs = qs.filter(inbox__channel_kind=channel_kind)
    return qs


def channel_kinds(*, user: User) -> list[str]:
    kinds = visible_conversations(user=user).values_list("inbox__channel_kind", flat=True)
    return sorted(set(kinds.distinct()))


@dataclass(frozen=True)
class HourlyHistory:
    counts: list[float]  # consecutive hours, local time
    first_hour_of_week: int
    start: dt.datetime | None


def hourly_arrivals(
    *,
    user: User,
    since: dt.datetime,
    until: dt.datetime,
    tz: zoneinfo.ZoneInfo,
    channel_kind: str | None = None,
) -> HourlyHistory:
    """New conversations per local hour from the first hour with one to `until` (whole
    hours, zeros included: a quiet hour is data). Counted by the database per hour."""
    return hourly_counts(
        _scoped(user=user, channel_kind=channel_kind), since=since, until=until, tz=tz
    )


def hourly_counts(
    qs: QuerySet[Conversation], *, since: dt.datetime, until: dt.datetime, tz: zoneinfo.ZoneInfo
) -> HourlyHistory:
    """hourly_arrivals over any conversations (surge detection counts a whole account)."""
    rows = (
        qs.filter(created_at__gte=since, created_at__lt=until)
        .annotate(hour=TruncHour("created_at", tzinfo=tz))
        .values("hour")
        .annotate(n=Count("id"))
        .order_by("hour")
    )
    by_hour: dict[dt.datetime, int] = {}
    for row in rows:
        hour = row["hour"]
        if hour is None:
            continue
        # One bucket per local wall-clock hour (a DST fall-back hour counts twice, once).
        local = hour.astimezone(tz).replace(minute=0, second=0, microsecond=0, tzinfo=None)
        by_hour[local] = by_hour.get(local, 0) + row["n"]
    if not by_hour:
        return HourlyHistory([], 0, None)
    first = min(by_hour)
    last = until.astimezone(tz).replace(minute=0, second=0, microsecond=0, tzinfo=None)
    counts: list[float] = []
    moment = first
    while moment < last:
        counts.append(float(by_hour.get(moment, 0)))
        moment += dt.timedelta(hours=1)
    from blockdesk.staffing.forecast import hour_of_week  # the module loads numpy: on use

    return HourlyHistory(counts, hour_of_week(first), first.replace(tzinfo=tz))


def handle_seconds_by_channel(
    *, user: User, since: dt.datetime, until: dt.datetime
) -> dict[str, float]:
    """Median handle time per channel kind (estimate: see ONE_REPLY_SECONDS)."""
    public_agent = Q(messages__sender_type=Message.SenderType.AGENT, messages__is_private=False)
    rows = (
        visible_conversations(user=user)
        .filter(resolved_at__gte=since, resolved_at__lt=until)
        .annotate(
            first_reply=Min("messages__created_at", filter=public_agent),
            last_reply=Max("messages__created_at", filter=public_agent),
        )
        .filter(first_reply__isnull=False)
        .order_by("-resolved_at")
        .values("inbox__channel_kind", "first_reply", "last_reply")[: HANDLE_SAMPLE * 4]
    )
    spans: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        kind = row["inbox__channel_kind"]
        if len(spans[kind]) >= HANDLE_SAMPLE:
            continue
        span = (row["last_reply"] - row["first_reply"]).total_seconds() + ONE_REPLY_SECONDS
        spans[kind].append(min(span, MAX_HANDLE_SECONDS))
    return {kind: statistics.median(values) for kind, values in spans.items() if values}
