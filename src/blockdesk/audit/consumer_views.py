"""Settings → Event consumers (administrators): each consumer's lag, and a retry for dead
events. Here rather than in `events`, which sits below the accounts it would need."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts import selectors as account_selectors
from blockdesk.audit import services
from blockdesk.events import selectors
from blockdesk.workspace.http import action_result, admin_required, current_agent


@admin_required
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    context = {
        "section": "events",
        "has_two_factor": account_selectors.has_two_factor(user=user),
        "consumers": selectors.consumer_statuses(account_id=user.account_pk),
    }
    return render(request, "events/status.html", context)


@admin_required
@require_POST
def retry_dead(request: HttpRequest) -> HttpResponse:
    count = services.do_retry_dead_events(actor=current_agent(request))
    message = ngettext(
        "%(count)d dead event will be retried now.",
        "%(count)d dead events will be retried now.",
        count,
    ) % {"count": count}
    return action_result(
        request,
        redirect_to=reverse("event_consumers:status"),
        data={"count": count},
        success=message,
    )
