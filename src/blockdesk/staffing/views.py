"""Settings → Staffing (administrators): the week's forecast of arrivals, the agents each
hour needs for a service-level target, against the agents scheduled; and surge mode
(thresholds, the prepared texts, the buttons that start and end a surge by hand)."""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blockdesk.accounts.zones import account_zone
from blockdesk.common.errors import ValidationFailed
from blockdesk.staffing import schedules, selectors, surge
from blockdesk.staffing.forms import StaffingForm
from blockdesk.staffing.models import Surge
from blockdesk.staffing.surge_forms import StartSurgeForm, SurgeSettingsForm
from blockdesk.workspace.http import admin_required, current_agent

DEFAULT_AHT_SECONDS = 300.0  # no resolved case yet to measure


@admin_required
@require_GET
def week(request: HttpRequest) -> HttpResponse:
    # The models need numpy, SciPy and statsmodels: loaded by the page that uses them, not
    # by every web worker at start-up (docs/benchmarks.md, "Memory").
    from blockdesk.staffing import erlang
    from blockdesk.staffing.forecast import HOURS_IN_WEEK, forecast_week, plan_week

    user = current_agent(request)
    kinds = selectors.channel_kinds(user=user)
    defaults = {
        name: field.initial
        for name, field in StaffingForm.base_fields.items()
        if field.initial is not None
    }
    # The first visit shows the plan for the defaults and the saved schedule; a submitted
    # form is taken as is (an empty schedule field: the saved one).
    stored = schedules.stored_schedule(account_id=user.account_pk)
    data = request.GET.copy() if request.GET else defaults
    if stored is not None and not data.get("scheduled"):
        data["scheduled"] = schedules.as_text(stored)
    zone = account_zone(user.account_pk)
    form = StaffingForm(data, channel_kinds=kinds, default_zone=zone)
    context: dict[str, Any] = {"section": "staffing", "form": form, "plan": None}
    if not form.is_valid():
        return render(request, "staffing/week.html", context, status=400)
    values = form.cleaned_data
    tz = values["time_zone"]
    until = timezone.now().replace(minute=0, second=0, microsecond=0)
    since = until - dt.timedelta(weeks=values["weeks"])
    channel = values["channel"] or None
    history = selectors.hourly_arrivals(
        user=user, since=since, until=until, tz=tz, channel_kind=channel
    )
    forecast = forecast_week(history.counts, first_hour_of_week=history.first_hour_of_week)
    measured = selectors.handle_seconds_by_channel(user=user, since=since, until=until)
    aht = values["aht_seconds"]
    aht_source = "given"
    if aht is None:
        pool = [measured[channel]] if channel in measured else []
        if channel is None:
            pool = list(measured.values())
        aht_source = "measured" if pool else "default"
        aht = statistics.median(pool) if pool else DEFAULT_AHT_SECONDS
    try:
        plans = plan_week(
            arrivals=forecast.arrivals,
            aht_seconds=aht,
            service_level=values["service_level"],
            answer_within_seconds=values["answer_within_seconds"],
            shrinkage=values["shrinkage"],
            patience_seconds=values["patience_seconds"],
            concurrency=values["concurrency"],
            scheduled=values["scheduled"],
        )
    except erlang.StaffingInputError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return render(request, "staffing/week.html", context, status=400)
    days = [str(WEEKDAYS_ABBR[d]) for d in range(7)]
    labels = [f"{days[h // 24]} {h % 24:02d}:00" for h in range(HOURS_IN_WEEK)]
    scheduled = values["scheduled"]
    short = [p for p in plans if p.gap is not None and p.gap < 0]
    context.update(
        plan=True,
        forecast=forecast,
        aht_seconds=round(aht, 1),
        aht_source=aht_source,
        measured={k: round(v) for k, v in sorted(measured.items())},
        rows=[{"day": days[d], "hours": plans[d * 24 : (d + 1) * 24]} for d in range(7)],
        peak=max(plans, key=lambda p: p.scheduled_needed),
        peak_label=labels[max(range(HOURS_IN_WEEK), key=lambda h: plans[h].scheduled_needed)],
        agent_hours=sum(p.scheduled_needed for p in plans),
        arrivals_total=round(sum(forecast.arrivals)),
        short_hours=len(short),
        schedule_text=schedules.as_text(scheduled) if scheduled else "",
        schedule_saved=scheduled is not None and scheduled == stored,
        chart={
            "labels": labels,
            "arrivals": forecast.arrivals,
            "needed": [p.scheduled_needed for p in plans],
            "on_queue": [p.agents for p in plans],
            "scheduled": scheduled,
        },
        hours=range(24),
    )
    return render(request, "staffing/week.html", context)


@admin_required
@require_POST
def save_schedule(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    try:
        hours = schedules.parse_schedule(request.POST.get("scheduled", ""))
        if hours is None:
            raise ValidationFailed.field("scheduled", _("Type the agents scheduled first."))
        schedules.do_save_schedule(actor=user, hours=hours)
    except ValidationFailed as exc:
        messages.error(request, " ".join(m for ms in exc.fields.values() for m in ms))
        return redirect("staffing:week")
    messages.success(request, _("The schedule is saved: every plan is compared with it."))
    return redirect("staffing:week")


RECENT_SURGES = 10


@admin_required
@require_http_methods(["GET", "POST"])
def surge_settings(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    config = surge.settings_for(user.account_pk)
    form = SurgeSettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Surge settings saved."))
        return redirect("staffing:surge")
    context = {
        "section": "staffing",
        "form": form,
        "start_form": StartSurgeForm(),
        "open_surge": surge.open_surge(user.account_pk),
        "recent": Surge.objects.filter(account_id=user.account_pk)[:RECENT_SURGES],
    }
    return render(request, "staffing/surge.html", context, status=400 if form.errors else 200)


@admin_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = StartSurgeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    surge.do_start_surge(account_id=user.account_pk, by=user, reason=reason or _("started by hand"))
    messages.success(request, _("Surge mode started."))
    return redirect("staffing:surge")


@admin_required
@require_POST
def end(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    ended = surge.do_end_surge(account_id=user.account_pk, by=user)
    if ended is not None:
        messages.success(request, _("Surge mode ended."))
    return redirect("staffing:surge")
