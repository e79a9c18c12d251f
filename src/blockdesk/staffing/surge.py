"""Surge mode (docs/staffing.md#surge-mode): when new conversations arrive far faster than
the forecast for this hour of the week (a crash, a listing), the account enters surge
mode until an admin ends it or, for a detected surge, arrivals stay back at the forecast
for a while. During a surge leads are alerted, the console shows a banner, the widget
shows the admin's notice and the assistant sends the prepared incident answer with a wait
estimate (the surfaces above this app read `open_surge`, `widget_notice`,
`incident_reply`).

The periodic job `do_check_surges` reads each account's volume; everything takes `now`
so tests drive it with a controlled clock."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.zones import account_zone
from blockdesk.common import plain_sql
from blockdesk.common.errors import Forbidden
from blockdesk.common.group_memo import per_group
from blockdesk.conversations.models import Conversation, Message
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.staffing import selectors
from blockdesk.staffing.models import Surge, SurgeSettings

logger = logging.getLogger(__name__)

HISTORY_WEEKS = 4
# Agents "working" for the wait estimate: those who sent a public reply this recently
# (Blockdesk keeps no presence for chat agents; a reply is the evidence they are there).
WORKING_WINDOW = dt.timedelta(minutes=30)
ANSWER_WITHIN_SECONDS = 60.0


def settings_for(account_id: int) -> SurgeSettings:
    """The account's settings, or the defaults (unsaved) when it never saved any."""
    found = SurgeSettings.objects.filter(account_id=account_id).first()
    return found if found is not None else SurgeSettings(account_id=account_id)


def open_surge(account_id: int) -> Surge | None:
    # At most one (a unique key); asked for every customer message the assistant handles,
    # so a statement built once (issue 17).
    return plain_sql.fetch_one(Surge, where={"account": account_id, "ended_at": None})


# --- reading the volume --------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    arrivals: int  # new conversations in the window ending now
    expected: float  # the forecast for that window
    window_minutes: int

    @property
    def per_hour(self) -> float:
        return self.arrivals * 60.0 / self.window_minutes


def expected_per_hour(*, account_id: int, now: dt.datetime) -> float:
    """The forecast arrivals for this hour of the week from the last weeks' history (the
    staffing page's model, in the account's local hours: Monday 09:00 is 09:00 on the
    account's clock whether or not DST is on), cached for the hour: every periodic run asks."""
    tz = account_zone(account_id)
    hour = now.astimezone(tz).replace(minute=0, second=0, microsecond=0)
    key = f"staffing:surge:forecast:{account_id}:{hour.isoformat()}"
    cached = cache.get(key)
    if isinstance(cached, float):
        return cached
    history = selectors.hourly_counts(
        Conversation.objects.filter(account_id=account_id),
        since=hour - dt.timedelta(weeks=HISTORY_WEEKS),
        until=hour,
        tz=tz,
    )
    # The forecast and Erlang models need numpy and SciPy: imported where used, so the web
    # workers that import this module for its hooks stay light (docs/benchmarks.md, "Memory").
    from blockdesk.staffing.forecast import forecast_week, hour_of_week

    forecast = forecast_week(history.counts, first_hour_of_week=history.first_hour_of_week)
    value = float(forecast.arrivals[hour_of_week(hour)])
    cache.set(key, value, timeout=3600)
    return value


def arrivals_in_window(*, account_id: int, now: dt.datetime, minutes: int) -> int:
    since = now - dt.timedelta(minutes=minutes)
    return Conversation.objects.filter(
        account_id=account_id, created_at__gt=since, created_at__lte=now
    ).count()


def read_volume(*, config: SurgeSettings, now: dt.datetime) -> Reading:
    minutes = config.window_minutes
    arrivals = arrivals_in_window(account_id=config.account_id, now=now, minutes=minutes)
    expected = expected_per_hour(account_id=config.account_id, now=now) * minutes / 60.0
    return Reading(arrivals, expected, minutes)


def is_surging(reading: Reading, config: SurgeSettings) -> bool:
    """Above the forecast by the factor, and busy in absolute terms: on a quiet night 3
    conversations against a forecast of 1 is no surge."""
    return reading.arrivals >= config.min_arrivals and reading.arrivals > (
        config.factor * reading.expected
    )


def is_calm(reading: Reading, config: SurgeSettings) -> bool:
    """Back at (or below) the forecast, or below the minimum volume that could start one."""
    return reading.arrivals <= reading.expected or reading.arrivals < config.min_arrivals


# --- starting and ending -----------------------------------------------------------------


def check_can_manage_surge(*, user: User) -> None:
    """Starting and ending a surge by hand, and its settings: administrators (the leads)."""
    if not user.is_active or not user.is_account_admin:
        raise Forbidden()


def do_start_surge(
    *,
    account_id: int,
    by: User | None,
    reason: str,
    reading: Reading | None = None,
    now: dt.datetime | None = None,
) -> Surge:
    """Starts surge mode (by hand when `by` is given); an open surge is returned as is."""
    if by is not None:
        check_can_manage_surge(user=by)
        if by.account_id != account_id:
            raise Forbidden()
    now = now or timezone.now()
    existing = open_surge(account_id)
    if existing is not None:
        return existing
    surge = Surge(
        account_id=account_id,
        started_at=now,
        reason=reason[:300],
        started_by=Surge.StartedBy.AUTO if by is None else Surge.StartedBy.AGENT,
        started_by_user=by,
        arrivals=reading.arrivals if reading else 0,
        expected=round(reading.expected, 2) if reading else 0.0,
    )
    surge.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            surge.save()
            emit(
                account_id=account_id,
                name="staffing.surge_started",
                payload={
                    "surge_id": surge.pk,
                    "started_by": surge.started_by,
                    "reason": surge.reason,
                    "arrivals": surge.arrivals,
                    "expected": surge.expected,
                },
                actor=Actor.system() if by is None else Actor.agent(by.pk),
                subject=Subject("surge", surge.pk),
            )
    except IntegrityError:
        # Two starts at once (two workers, or a click during detection): one surge wins.
        found = open_surge(account_id)
        if found is None:
            raise
        return found
    return surge


def do_end_surge(
    *, account_id: int, by: User | None, now: dt.datetime | None = None
) -> Surge | None:
    """Ends the open surge (by hand when `by` is given); None when there was none."""
    if by is not None:
        check_can_manage_surge(user=by)
        if by.account_id != account_id:
            raise Forbidden()
    now = now or timezone.now()
    with transaction.atomic():
        surge = (
            Surge.objects.select_for_update()
            .filter(account_id=account_id, ended_at__isnull=True)
            .first()
        )
        if surge is None:
            return None
        surge.ended_at = max(now, surge.started_at)
        surge.ended_by_user = by
        surge.save(update_fields=["ended_at", "ended_by_user"])
        emit(
            account_id=account_id,
            name="staffing.surge_ended",
            payload={
                "surge_id": surge.pk,
                "ended_by": "auto" if by is None else "agent",
                "duration_seconds": int((surge.ended_at - surge.started_at).total_seconds()),
            },
            actor=Actor.system() if by is None else Actor.agent(by.pk),
            subject=Subject("surge", surge.pk),
        )
    return surge


def check_account(*, account_id: int, now: dt.datetime) -> str | None:
    """One account's check: "started", "ended" or None (nothing changed)."""
    config = settings_for(account_id)
    surge = open_surge(account_id)
    if surge is None:
        if not config.auto_detect:
            return None
        # Cheap first: below the minimum volume no forecast is needed.
        if arrivals_in_window(account_id=account_id, now=now, minutes=config.window_minutes) < (
            config.min_arrivals
        ):
            return None
        reading = read_volume(config=config, now=now)
        if not is_surging(reading, config):
            return None
        with override(None):
            reason = _(
                "%(arrivals)s new conversations in %(minutes)s min, forecast %(expected)s"
            ) % {
                "arrivals": reading.arrivals,
                "minutes": reading.window_minutes,
                "expected": f"{reading.expected:.1f}",
            }
        do_start_surge(account_id=account_id, by=None, reason=reason, reading=reading, now=now)
        return "started"
    if surge.started_by != Surge.StartedBy.AUTO:
        return None  # an admin started it (a listing they expect): an admin ends it
    reading = read_volume(config=config, now=now)
    if not is_calm(reading, config):
        if surge.calm_since is not None:
            Surge.objects.filter(pk=surge.pk).update(calm_since=None)
        return None
    if surge.calm_since is None:
        Surge.objects.filter(pk=surge.pk).update(calm_since=now)
        return None
    if now - surge.calm_since >= dt.timedelta(minutes=config.calm_minutes):
        do_end_surge(account_id=account_id, by=None, now=now)
        return "ended"
    return None


def do_check_surges(now: dt.datetime | None = None) -> dict[int, str]:
    """The periodic job: every account's check; returns the changes by account id."""
    now = now or timezone.now()
    changes: dict[int, str] = {}
    for account_id in Account.objects.values_list("pk", flat=True).order_by("pk"):
        try:
            change = check_account(account_id=account_id, now=now)
        except Exception:
            # Broad on purpose: the periodic job checks every account; one account's
            # failure (bad config, the database for a moment) is logged with its traceback
            # and must not keep the others from being checked.
            logger.exception("surge check failed for account %s", account_id)
            continue
        if change:
            changes[account_id] = change
    return changes


# --- what the surfaces show --------------------------------------------------------------


def _pick(language: str, en: str, zh: str) -> str:
    """The text in the customer's language, else the one the admin wrote."""
    first, second = (zh, en) if (language or "").lower().startswith("zh") else (en, zh)
    return (first or second).strip()


def widget_notice(*, account_id: int, language: str) -> str:
    """The admin's notice for the widget while a surge is on ("" otherwise)."""
    if open_surge(account_id) is None:
        return ""
    config = settings_for(account_id)
    return _pick(language, config.widget_notice_en, config.widget_notice_zh)


def working_agents(*, account_id: int, now: dt.datetime) -> int:
    return (
        Message.objects.filter(
            conversation__account_id=account_id,
            sender_type=Message.SenderType.AGENT,
            is_private=False,
            created_at__gte=now - WORKING_WINDOW,
        )
        .values("sender_user_id")
        .distinct()
        .count()
    )


def wait_estimate_seconds(*, account_id: int, now: dt.datetime | None = None) -> float | None:
    """Mean wait for a person: Erlang C with the agents working now and the arrivals of the
    window; when they cannot keep up (the queue only grows), the open unassigned cases
    ahead shared among them. None: nobody is working, no honest figure."""
    now = now or timezone.now()
    config = settings_for(account_id)
    agents = working_agents(account_id=account_id, now=now)
    if agents == 0:
        return None
    per_hour = arrivals_in_window(account_id=account_id, now=now, minutes=config.window_minutes) * (
        60.0 / config.window_minutes
    )
    from blockdesk.staffing import erlang  # numpy and SciPy: on use

    figures = erlang.erlang_c_figures(
        agents=agents,
        arrivals_per_hour=per_hour,
        aht_seconds=float(config.aht_seconds),
        answer_within_seconds=ANSWER_WITHIN_SECONDS,
    )
    if math.isfinite(figures.asa_seconds):
        return figures.asa_seconds
    waiting = Conversation.objects.filter(
        Q(status=Conversation.Status.OPEN) | Q(status=Conversation.Status.PENDING),
        account_id=account_id,
        assignee__isnull=True,
    ).count()
    return waiting * float(config.aht_seconds) / agents


def wait_text(seconds: float | None, language: str) -> str:
    with override(language or "en"):
        if seconds is None:
            return _("We cannot estimate the wait for a person right now.")
        minutes = max(1, math.ceil(seconds / 60.0))
        if minutes > 5:
            minutes = 5 * math.ceil(minutes / 5)  # no false precision
        return ngettext(
            "The wait for a person is about %(minutes)d minute.",
            "The wait for a person is about %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}


@per_group  # asked for each message of a flood's group: once per group
def incident_reply(*, account_id: int, language: str, now: dt.datetime | None = None) -> str | None:
    """The prepared incident answer and the wait estimate, during a surge with an answer
    written; None otherwise (the assistant carries on as usual)."""
    if open_surge(account_id) is None:
        return None
    config = settings_for(account_id)
    answer = _pick(language, config.incident_answer_en, config.incident_answer_zh)
    if not answer:
        return None
    wait = wait_text(wait_estimate_seconds(account_id=account_id, now=now), language)
    return f"{answer}\n\n{wait}"
