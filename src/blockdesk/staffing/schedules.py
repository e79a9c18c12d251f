"""The agents scheduled per hour of the week, saved per account (`StaffingSchedule`): the
staffing page compares its plan with it on every visit instead of numbers typed each time."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.staffing.models import StaffingSchedule

HOURS_IN_WEEK = 168
MAX_AGENTS_SCHEDULED = 100_000


def parse_schedule(raw: str) -> list[int] | None:
    """24 numbers (every day alike) or 168, separated by spaces, commas or semicolons;
    None when empty. ValidationFailed on the field `scheduled` otherwise."""
    parts = [p for p in re.split(r"[\s,;]+", raw.strip()) if p]
    if not parts:
        return None
    if not all(p.isdigit() and int(p) <= MAX_AGENTS_SCHEDULED for p in parts):
        raise ValidationFailed.field(
            "scheduled", _("Whole numbers of agents, separated by commas.")
        )
    if len(parts) == 24:
        return [int(p) for p in parts] * 7
    if len(parts) == HOURS_IN_WEEK:
        return [int(p) for p in parts]
    raise ValidationFailed.field(
        "scheduled",
        _("Give 24 or %(week)d numbers (got %(count)d).")
        % {"week": HOURS_IN_WEEK, "count": len(parts)},
    )


def stored_schedule(*, account_id: int) -> list[int] | None:
    row = StaffingSchedule.objects.filter(account_id=account_id).first()
    return list(row.hours) if row is not None else None


def as_text(hours: list[int]) -> str:
    """The form's text for a stored week: 24 numbers when every day is alike."""
    day = hours[:24]
    return ", ".join(str(h) for h in (day if hours == day * 7 else hours))


def do_save_schedule(*, actor: User, hours: list[int]) -> StaffingSchedule:
    """Saves the account's week (168 numbers), with its event, in one transaction."""
    if not actor.is_account_admin:
        raise Forbidden(_("Only administrators can change the staffing schedule."))
    with transaction.atomic():
        row = StaffingSchedule.objects.select_for_update().filter(account_id=actor.account_pk)
        schedule = row.first() or StaffingSchedule(account_id=actor.account_pk)
        schedule.hours = list(hours)
        schedule.updated_by = actor
        schedule.full_clean()
        schedule.save()
        emit(
            account_id=actor.account_pk,
            name="staffing.schedule_saved",
            payload={"agent_hours": sum(hours)},
            actor=Actor.agent(actor.pk),
            subject=Subject("staffing_schedule", schedule.pk),
        )
    return schedule
