"""Settings → Business hours, SLA policies and the SLA report (administrators only; CSRF
on every form, like every console page)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.common.csvcells import csv_lines
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.sla import reports, selectors, services
from blockdesk.sla.forms import HolidayForm, HoursForm, IcsForm, PolicyForm, ReportForm
from blockdesk.sla.models import BusinessHours
from blockdesk.workspace.http import admin_required, current_agent


def _spans(hours: BusinessHours) -> list[str]:
    by_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for interval in hours.intervals.all():
        by_day[interval.weekday].append((interval.start_minute, interval.end_minute))
    return [services.format_spans(by_day[d]) for d in range(7)]


def _form_errors(form: Any, exc: ValidationFailed) -> None:
    for name, errors in (exc.fields or {}).items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if not exc.fields:
        form.add_error(None, exc.message)


@admin_required
def hours_list(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    schedules = [(h, _spans(h)) for h in selectors.account_hours(user=user)]
    return render(request, "sla/hours_list.html", {"section": "sla_hours", "schedules": schedules})


@admin_required
@require_http_methods(["GET", "POST"])
def hours_edit(request: HttpRequest, hours_id: int | None = None) -> HttpResponse:
    user = current_agent(request)
    hours = selectors.get_hours(user=user, hours_id=hours_id) if hours_id else None
    initial: dict[str, Any] = {"time_zone": "UTC"}
    if hours is not None:
        initial = {"time_zone": hours.time_zone}
        initial.update({f"day_{d}": text for d, text in enumerate(_spans(hours))})
    form = HoursForm(
        request.POST or None, initial=initial, account_id=user.account_pk, with_team=hours is None
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.do_save_hours(
                actor=user,
                hours=hours,
                team=form.cleaned_data.get("team") if hours is None else hours.team,
                time_zone=form.cleaned_data["time_zone"],
                weekly=[form.cleaned_data[f"day_{d}"] for d in range(7)],
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Business hours saved."))
            return HttpResponseRedirect(reverse("sla:hours_edit", args=[saved.pk]))
    context = {
        "section": "sla_hours",
        "hours": hours,
        "form": form,
        "holiday_form": HolidayForm(),
        "ics_form": IcsForm(),
        "holidays": list(hours.holidays.all()) if hours else [],
    }
    return render(request, "sla/hours_form.html", context, status=400 if form.errors else 200)


@admin_required
@require_POST
def hours_delete(request: HttpRequest, hours_id: int) -> HttpResponse:
    user = current_agent(request)
    services.do_delete_hours(actor=user, hours=selectors.get_hours(user=user, hours_id=hours_id))
    messages.success(request, _("Business hours deleted."))
    return HttpResponseRedirect(reverse("sla:hours"))


@admin_required
@require_POST
def holiday_add(request: HttpRequest, hours_id: int) -> HttpResponse:
    user = current_agent(request)
    hours = selectors.get_hours(user=user, hours_id=hours_id)
    form = HolidayForm(request.POST)
    back = reverse("sla:hours_edit", args=[hours.pk])
    if not form.is_valid():
        messages.error(request, _("Enter a valid date."))
        return HttpResponseRedirect(back)
    try:
        services.do_add_holiday(actor=user, hours=hours, **form.cleaned_data)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Holiday added."))
    return HttpResponseRedirect(back)


@admin_required
@require_POST
def holiday_delete(request: HttpRequest, hours_id: int, holiday_id: int) -> HttpResponse:
    user = current_agent(request)
    hours = selectors.get_hours(user=user, hours_id=hours_id)
    holiday = hours.holidays.filter(pk=holiday_id).first()
    if holiday is None:
        raise NotFound()
    services.do_delete_holiday(actor=user, holiday=holiday)
    return HttpResponseRedirect(reverse("sla:hours_edit", args=[hours.pk]))


@admin_required
@require_POST
def ics_import(request: HttpRequest, hours_id: int) -> HttpResponse:
    user = current_agent(request)
    hours = selectors.get_hours(user=user, hours_id=hours_id)
    form = IcsForm(request.POST, request.FILES)
    back = reverse("sla:hours_edit", args=[hours.pk])
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return HttpResponseRedirect(back)
    try:
        count = services.do_import_ics(actor=user, hours=hours, data=form.cleaned_data["file"])
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(count)s closures imported.") % {"count": count})
    return HttpResponseRedirect(back)


@admin_required
def policy_list(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    context = {"section": "sla_policies", "policies": selectors.policies(user=user)}
    return render(request, "sla/policy_list.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, policy_id: int | None = None) -> HttpResponse:
    user = current_agent(request)
    policy = selectors.get_policy(user=user, policy_id=policy_id) if policy_id else None
    form = PolicyForm(request.POST or None, instance=policy, account_id=user.account_pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_save_policy(actor=user, policy=policy, values=form.cleaned_data)
        except ValidationFailed as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Policy saved."))
            return HttpResponseRedirect(reverse("sla:policies"))
    context = {"section": "sla_policies", "policy": policy, "form": form}
    return render(request, "sla/policy_form.html", context, status=400 if form.errors else 200)


@admin_required
@require_POST
def policy_delete(request: HttpRequest, policy_id: int) -> HttpResponse:
    user = current_agent(request)
    policy = selectors.get_policy(user=user, policy_id=policy_id)
    services.do_delete_policy(actor=user, policy=policy)
    messages.success(request, _("Policy deleted."))
    return HttpResponseRedirect(reverse("sla:policies"))


@admin_required
def report(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = ReportForm(request.GET or {"group": "policy"})
    if not form.is_valid():
        context = {"section": "sla_report", "form": form, "rows": []}
        return render(request, "sla/report.html", context, status=400)
    since, until = form.range()
    rows = reports.sla_report(
        account_id=user.account_pk,
        group=form.cleaned_data["group"],
        since=since,
        until=until,
        target=form.cleaned_data["target"] or None,
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="sla-report.csv"'
        header = ["key", "label", "total", "met", "missed", "met_share"]
        dicts = [row.as_dict() for row in rows]
        response.writelines(csv_lines([header, *([d[k] for k in header] for d in dicts)]))
        return response
    total = sum(r.total for r in rows)
    met = sum(r.met for r in rows)
    context = {
        "section": "sla_report",
        "form": form,
        "rows": rows,
        "total": total,
        "met": met,
        "share": (met / total) if total else None,
        "csv_query": request.GET.urlencode(),
    }
    return render(request, "sla/report.html", context)
