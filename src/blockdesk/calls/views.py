"""Settings → Calls (administrators): calls on or off, and whether calls are recorded
when the customer agrees."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts import selectors as account_selectors
from blockdesk.calls import services
from blockdesk.calls.models import Call
from blockdesk.common.errors import BlockdeskError
from blockdesk.workspace.http import action_result, admin_required, current_agent

RECENT_CALLS = 20


@admin_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    context = {
        "section": "calls",
        "has_two_factor": account_selectors.has_two_factor(user=user),
        "options": services.call_settings(account_id=user.account_pk),
        "retention_days": settings.CALL_RECORDING_RETENTION_DAYS,
        "recent": Call.objects.filter(account_id=user.account_pk)
        .select_related("conversation", "agent")
        .order_by("-rang_at")[:RECENT_CALLS],
    }
    return render(request, "calls/settings.html", context)


@admin_required
@require_POST
def configure(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    back = reverse("calls_settings:index")
    try:
        services.do_update_call_settings(
            actor=user,
            calls_enabled=request.POST.get("calls_enabled") == "on",
            recording_enabled=request.POST.get("recording_enabled") == "on",
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, success=_("Call settings saved."))
