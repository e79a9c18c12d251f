"""Reputation bookkeeping: each point is a uniquely-sourced row, totals follow in the same
transaction, levels and badges are recomputed from the totals."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from blockdesk.customers.models import CustomerAccount
from blockdesk.forum import levels
from blockdesk.forum.models import BadgeAward, MemberStats, PeriodPoints, ReputationEntry


def stats_for(member: CustomerAccount) -> MemberStats:
    stats, _created = MemberStats.objects.get_or_create(
        member=member, defaults={"account_id": member.account_id}
    )
    return stats


def level_of(member: CustomerAccount) -> int:
    row = MemberStats.objects.filter(member=member).values_list("trust_level", flat=True).first()
    return int(row or 0)


# All-time points per category are a `PeriodPoints` row of this kind and start (overall
# all-time is MemberStats.reputation).
ALL_TIME = "a"
ALL_TIME_START = dt.date(1970, 1, 1)


def period_starts(moment: dt.datetime) -> dict[str, dt.date]:
    day = moment.date()
    return {"w": day - dt.timedelta(days=day.weekday()), "m": day.replace(day=1)}


def _add_to_periods(entry: ReputationEntry, sign: int) -> None:
    scopes = [0] + ([entry.category_id] if entry.category_id else [])
    rows = [
        (kind, start, scope)
        for kind, start in period_starts(entry.created_at).items()
        for scope in scopes
    ]
    if entry.category_id:
        rows.append((ALL_TIME, ALL_TIME_START, entry.category_id))
    for kind, start, scope in rows:
        row, _created = PeriodPoints.objects.get_or_create(
            member_id=entry.member_id,
            kind=kind,
            start=start,
            scope=scope,
            defaults={"account_id": entry.account_id},
        )
        PeriodPoints.objects.filter(pk=row.pk).update(points=F("points") + sign * entry.points)


def add_points(
    *, member_id: int, account_id: int, category_id: int | None, points: int, source: str
) -> bool:
    """Adds points once per `source`; False when this source already counted."""
    try:
        with transaction.atomic():
            entry = ReputationEntry.objects.create(
                account_id=account_id,
                member_id=member_id,
                category_id=category_id,
                points=points,
                source=source,
                created_at=timezone.now(),
            )
    except IntegrityError:
        return False
    _add_to_periods(entry, 1)
    MemberStats.objects.get_or_create(member_id=member_id, defaults={"account_id": account_id})
    MemberStats.objects.filter(member_id=member_id).update(reputation=F("reputation") + points)
    refresh(member_id)
    return True


def remove_points(*, account_id: int, source: str) -> None:
    entry = ReputationEntry.objects.filter(account_id=account_id, source=source).first()
    if entry is None:
        return
    entry.delete()
    _add_to_periods(entry, -1)
    MemberStats.objects.filter(member_id=entry.member_id).update(
        reputation=F("reputation") - entry.points
    )
    refresh(entry.member_id)


def count(member_id: int, account_id: int, field: str, delta: int = 1) -> None:
    MemberStats.objects.get_or_create(member_id=member_id, defaults={"account_id": account_id})
    MemberStats.objects.filter(member_id=member_id).update(**{field: F(field) + delta})
    refresh(member_id)


def refresh(member_id: int) -> None:
    """The level follows the reputation (always derived, so it can also drop); badges
    now earned are awarded."""
    stats = MemberStats.objects.get(member_id=member_id)
    level = int(levels.level_for(stats.reputation))
    if level != stats.trust_level:
        MemberStats.objects.filter(pk=member_id).update(trust_level=level)
    owned = set(BadgeAward.objects.filter(member_id=member_id).values_list("badge", flat=True))
    for badge in levels.BADGES.values():
        if badge.code not in owned and badge.earned is not None and badge.earned(stats):
            award(member_id=member_id, account_id=stats.account_id, badge=badge.code)


def award(*, member_id: int, account_id: int, badge: str) -> bool:
    """Awards a badge once (other apps call this for their own badges)."""
    try:
        with transaction.atomic():
            BadgeAward.objects.create(member_id=member_id, account_id=account_id, badge=badge)
    except IntegrityError:
        return False
    return True
