"""Console pages: Settings → Routing (administrators: each inbox's mode, each agent's
capacity and skills) and the presence toggle every agent has in the top bar. Thin: parse,
one service call, respond."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.common.errors import ValidationFailed
from blockdesk.routing import admin_services, selectors
from blockdesk.routing.forms import AgentRoutingForm, InboxRoutingForm, PresenceForm
from blockdesk.routing.models import AgentRouting
from blockdesk.routing.presence import do_set_presence
from blockdesk.workspace.http import admin_required, agent_required, current_agent


@admin_required
def index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    return render(
        request,
        "routing/settings.html",
        {
            "inboxes": selectors.inbox_configs(account_id=user.account_pk),
            "agents": selectors.agent_lines(account_id=user.account_pk),
            "section": "routing",
        },
    )


@admin_required
@require_http_methods(["GET", "POST"])
def inbox_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    user = current_agent(request)
    inbox = selectors.get_inbox(account_id=user.account_pk, inbox_id=inbox_id)
    config = admin_services.config_for(inbox)
    form = InboxRoutingForm(request.POST or None, initial=InboxRoutingForm.initial_from(config))
    if request.method == "POST" and form.is_valid():
        admin_services.do_update_inbox_routing(actor=user, inbox=inbox, **form.cleaned_data)
        messages.success(request, _("Routing saved."))
        return redirect("routing:settings")
    return render(
        request,
        "routing/inbox_form.html",
        {"form": form, "inbox": inbox, "section": "routing"},
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def agent_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = current_agent(request)
    agent = selectors.get_agent(account_id=user.account_pk, user_id=user_id)
    row = AgentRouting.objects.filter(pk=agent.pk).first() or AgentRouting(user=agent)
    form = AgentRoutingForm(request.POST or None, initial=AgentRoutingForm.initial_from(row))
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.do_update_agent_routing(
                actor=user,
                agent=agent,
                capacity=form.cleaned_data["capacity"],
                channel_capacity=form.cleaned_data["channel_capacity"],
                **form.lists(),
            )
        except ValidationFailed as exc:
            for field, errors in (exc.fields or {}).items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, str(error))
        else:
            messages.success(request, _("Routing saved."))
            return redirect("routing:settings")
    return render(
        request,
        "routing/agent_form.html",
        {"form": form, "agent": agent, "section": "routing"},
        status=400 if request.method == "POST" else 200,
    )


@agent_required
@require_POST
def presence(request: HttpRequest) -> HttpResponse:
    """Any agent sets their own presence (never anyone else's)."""
    user = current_agent(request)
    form = PresenceForm(request.POST)
    if form.is_valid():
        do_set_presence(user=user, presence=form.cleaned_data["presence"], by="agent")
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/app/"
    return redirect(target)
