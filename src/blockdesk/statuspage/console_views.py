"""Console pages for administrators: components, opening an incident or a maintenance,
posting updates. Agents see open incidents on every console page (workspace layout)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blockdesk.chain.models import Chain
from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.statuspage import selectors, services
from blockdesk.statuspage.models import Component, Incident, State
from blockdesk.workspace.http import admin_required, current_agent


def _when(raw: str | None) -> dt.datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    parsed = parse_datetime(raw)
    if parsed is None:
        raise ValidationFailed.field("scheduled_start", _("Enter a valid date and time."))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@admin_required
def index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    assert user.account_id is not None
    account_id = user.account_id
    context = {
        "components": selectors.components(account_id=account_id).select_related("chain"),
        "open_incidents": selectors.open_incidents(account_id=account_id),
        "maintenance": selectors.upcoming_maintenance(account_id=account_id),
        "recent": selectors.recent_incidents(account_id=account_id),
        "states": State.choices,
        "chains": Chain.objects.filter(account_id=account_id).order_by("name"),
        "kinds": Incident.Kind.choices,
        "statuses": Incident.Status.choices,
    }
    return render(request, "statuspage/console/index.html", context)


def _done(request: HttpRequest, ok: str) -> HttpResponse:
    messages.success(request, ok)
    return redirect("statuspage_console:index")


@admin_required
@require_POST
def add_component(request: HttpRequest) -> HttpResponse:
    chain = request.POST.get("chain") or ""
    try:
        services.do_create_component(
            actor=current_agent(request),
            key=request.POST.get("key", "").strip(),
            name=request.POST.get("name", ""),
            name_zh=request.POST.get("name_zh", ""),
            group=request.POST.get("group", ""),
            chain_id=int(chain) if chain.isdigit() else None,
            topics=request.POST.get("topics", "").split(","),
        )
    except BlockdeskError as exc:
        messages.error(request, exc.message)
        return redirect("statuspage_console:index")
    return _done(request, _("Component added."))


@admin_required
@require_POST
def set_state(request: HttpRequest, component_id: int) -> HttpResponse:
    user = current_agent(request)
    assert user.account_id is not None
    component = Component.objects.filter(account_id=user.account_id, pk=component_id).first()
    if component is None:
        raise Http404
    try:
        services.do_set_component_state(
            actor=user, component=component, state=request.POST.get("state", "")
        )
    except BlockdeskError as exc:
        messages.error(request, exc.message)
        return redirect("statuspage_console:index")
    return _done(request, _("State changed."))


@admin_required
@require_POST
def open_incident(request: HttpRequest) -> HttpResponse:
    try:
        services.do_open_incident(
            actor=current_agent(request),
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            component_ids=[int(x) for x in request.POST.getlist("components") if x.isdigit()],
            impact=request.POST.get("impact", State.DEGRADED),
            kind=request.POST.get("kind", Incident.Kind.INCIDENT),
            scheduled_start=_when(request.POST.get("scheduled_start")),
            scheduled_end=_when(request.POST.get("scheduled_end")),
        )
    except BlockdeskError as exc:
        messages.error(request, exc.message)
        return redirect("statuspage_console:index")
    return _done(request, _("Published on the status page."))


@admin_required
@require_POST
def post_update(request: HttpRequest, incident_id: int) -> HttpResponse:
    user = current_agent(request)
    assert user.account_id is not None
    incident = selectors.incident(account_id=user.account_id, incident_id=incident_id)
    if incident is None:
        raise Http404
    try:
        services.do_post_update(
            actor=user,
            incident=incident,
            status=request.POST.get("status", ""),
            body=request.POST.get("body", ""),
        )
    except BlockdeskError as exc:
        messages.error(request, exc.message)
        return redirect("statuspage_console:index")
    return _done(request, _("Update posted."))
