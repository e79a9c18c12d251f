"""Writes of the SLA app's settings: business hours, holidays (by hand or from an ICS
file) and policies. Administrators only; every object checked against their account."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Team, User
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.sla.models import DAY_MINUTES, BusinessHours, BusinessInterval, Holiday, SlaPolicy
from blockdesk.sla.schedules import zone

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def check_admin(user: User) -> int:
    if not user.is_account_admin:
        raise Forbidden()
    return user.account_pk


def parse_spans(text: str, *, field: str) -> list[tuple[int, int]]:
    """ "09:00-12:00, 13:00-17:00" → minute spans; "24:00" ends a day."""
    spans: list[tuple[int, int]] = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        match = _SPAN.match(part)
        if not match:
            raise ValidationFailed.field(field, _("Write intervals like 09:00-12:00, 13:00-17:00."))
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or start >= DAY_MINUTES or end > DAY_MINUTES or end <= start:
            raise ValidationFailed.field(
                field, _("“%(span)s” is not a valid interval.") % {"span": part}
            )
        spans.append((start, end))
    spans.sort()
    for (_a, b), (c, _d) in itertools.pairwise(spans):
        if c < b:
            raise ValidationFailed.field(field, _("Intervals overlap."))
    return spans


def format_spans(spans: list[tuple[int, int]]) -> str:
    return ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in spans)


def check_time_zone(name: str) -> str:
    if name not in zoneinfo.available_timezones():
        raise ValidationFailed.field("time_zone", _("Unknown time zone."))
    return name


def do_save_hours(
    *,
    actor: User,
    hours: BusinessHours | None,
    team: Team | None,
    time_zone: str,
    weekly: list[str],
) -> BusinessHours:
    """Create or replace a schedule: the time zone and each weekday's intervals."""
    account_id = check_admin(actor)
    if team is not None and team.account_id != account_id:
        raise ValidationFailed.field("team", _("No such team."))
    if hours is not None and hours.account_id != account_id:
        raise Forbidden()
    check_time_zone(time_zone)
    if len(weekly) != 7:
        raise ValidationFailed.field("weekly", _("Give the hours of seven days."))
    parsed = [parse_spans(text, field=f"day_{n}") for n, text in enumerate(weekly)]
    with transaction.atomic():
        if hours is None:
            if BusinessHours.objects.filter(account_id=account_id, team=team).exists():
                raise ValidationFailed.field("team", _("These hours already exist."))
            hours = BusinessHours(account_id=account_id, team=team)
        hours.time_zone = time_zone
        hours.full_clean(exclude=["account", "team"])
        hours.save()
        hours.intervals.all().delete()
        BusinessInterval.objects.bulk_create(
            BusinessInterval(hours=hours, weekday=day, start_minute=a, end_minute=b)
            for day, spans in enumerate(parsed)
            for a, b in spans
        )
    return hours


def do_delete_hours(*, actor: User, hours: BusinessHours) -> None:
    if hours.account_id != check_admin(actor):
        raise Forbidden()
    hours.delete()


def do_add_holiday(
    *,
    actor: User,
    hours: BusinessHours,
    date: dt.date,
    name: str,
    yearly: bool = False,
    interval: str = "",
) -> Holiday:
    if hours.account_id != check_admin(actor):
        raise Forbidden()
    spans = parse_spans(interval, field="interval") if interval.strip() else [(0, DAY_MINUTES)]
    if len(spans) != 1:
        raise ValidationFailed.field("interval", _("Give one interval (or none: the whole day)."))
    holiday = Holiday(
        hours=hours,
        date=date,
        name=name.strip()[:200],
        yearly=yearly,
        start_minute=spans[0][0],
        end_minute=spans[0][1],
    )
    try:
        holiday.full_clean(exclude=["hours"])
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    if hours.holidays.filter(date=date, start_minute=spans[0][0], end_minute=spans[0][1]).exists():
        raise ValidationFailed.field("date", _("This closure already exists."))
    holiday.save()
    return holiday


def do_delete_holiday(*, actor: User, holiday: Holiday) -> None:
    if holiday.hours.account_id != check_admin(actor):
        raise Forbidden()
    holiday.delete()


def do_import_ics(
    *, actor: User, hours: BusinessHours, data: bytes, today: dt.date | None = None
) -> int:
    """Replace the schedule's imported closures with those of the file (entries made by
    hand stay). Returns how many closures were stored."""
    if hours.account_id != check_admin(actor):
        raise Forbidden()
    from blockdesk.sla import ics  # icalendar and its recurrence engine: on use

    since, until = ics.window(today or timezone.localdate())
    try:
        closures = ics.closures_from_ics(data, tz=zone(hours.time_zone), since=since, until=until)
    except ics.IcsError as exc:
        raise ValidationFailed.field(
            "file", _("This is not a calendar file we can read (%(reason)s).") % {"reason": exc}
        ) from exc
    unique = {(c.date, c.start_minute, c.end_minute): c for c in closures}
    with transaction.atomic():
        hours.holidays.filter(source=Holiday.Source.ICS).delete()
        taken = set(hours.holidays.values_list("date", "start_minute", "end_minute"))
        rows = [
            Holiday(
                hours=hours,
                date=c.date,
                start_minute=c.start_minute,
                end_minute=c.end_minute,
                name=c.name,
                source=Holiday.Source.ICS,
            )
            for key, c in sorted(unique.items())
            if key not in taken
        ]
        Holiday.objects.bulk_create(rows)
    return len(rows)


POLICY_FIELDS = (
    "name",
    "position",
    "active",
    "inbox",
    "channel_kind",
    "priority",
    "tag",
    "customer_tier",
    "first_response_minutes",
    "next_response_minutes",
    "resolution_minutes",
    "business_hours",
    "warn_percent",
    "notify_on_warning",
    "notify_on_breach",
    "breach_raise_priority",
    "breach_reassign_to",
    "breach_escalate_team",
)


def do_save_policy(
    *, actor: User, policy: SlaPolicy | None, values: dict[str, object]
) -> SlaPolicy:
    """`values` as a form cleaned them; every referenced object must be the account's."""
    account_id = check_admin(actor)
    if policy is not None and policy.account_id != account_id:
        raise Forbidden()
    for name in ("inbox", "tag", "breach_reassign_to", "breach_escalate_team"):
        obj = values.get(name)
        if obj is not None and getattr(obj, "account_id", None) != account_id:
            raise ValidationFailed.field(name, _("Not found."))
    if not any(
        values.get(f"{t}_minutes") for t in ("first_response", "next_response", "resolution")
    ):
        raise ValidationFailed.field("first_response_minutes", _("Set at least one target."))
    policy = policy or SlaPolicy(account_id=account_id)
    for name in POLICY_FIELDS:
        if name in values:
            setattr(policy, name, values[name])
    try:
        policy.full_clean(exclude=["account"])
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    policy.save()
    return policy


def do_delete_policy(*, actor: User, policy: SlaPolicy) -> None:
    """Deleting a policy deletes its clocks (and so its report history)."""
    if policy.account_id != check_admin(actor):
        raise Forbidden()
    policy.delete()
