"""Settings → Official channels. Agents read the list (to answer customers with it);
administrators add, change and remove entries. The services check the role again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.common.errors import BlockdeskError
from blockdesk.trust import selectors, services
from blockdesk.trust.forms import OfficialChannelForm
from blockdesk.trust.models import OfficialChannel
from blockdesk.workspace.forms import apply_error
from blockdesk.workspace.http import admin_required, agent_required, current_agent

GET_POST = require_http_methods(["GET", "POST"])


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int
) -> HttpResponse:
    context = {**context, "section": "official_channels"}
    return render(request, f"trust/{template}", context, status=status)


def _fields(form: OfficialChannelForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "value": data["value"],
        "label": data.get("label") or "",
        "include_subdomains": bool(data.get("include_subdomains")),
        "chain": data.get("chain") or "",
        "since": data.get("since"),
    }


@agent_required
@GET_POST
def channel_list(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = OfficialChannelForm(request.POST or None) if user.is_account_admin else None
    if request.method == "POST":
        if form is None:
            services.check_can_manage(actor=user, account_id=user.account_pk)  # raises
        elif form.is_valid():
            try:
                services.do_create_official_channel(
                    account_id=user.account_pk,
                    actor=user,
                    kind=form.cleaned_data["kind"],
                    **_fields(form),
                )
            except BlockdeskError as exc:
                apply_error(form, exc)
            else:
                messages.success(request, _("The channel was added."))
                return HttpResponseRedirect(reverse("trust_admin:list"))
    context = {
        "channels": selectors.channels_for_agent(user=user),
        "form": form,
        "can_manage": user.is_account_admin,
    }
    status = 400 if request.method == "POST" else 200
    return _page(request, "channels.html", context, status)


@admin_required
@GET_POST
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    user = current_agent(request)
    channel = selectors.get_official_channel(account_id=user.account_pk, channel_id=channel_id)
    initial = {
        "kind": channel.kind,
        "value": channel.display,
        "label": channel.label,
        "include_subdomains": channel.include_subdomains,
        "chain": channel.chain,
        "since": channel.since,
    }
    form = OfficialChannelForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_official_channel(channel=channel, actor=user, **_fields(form))
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The channel was saved."))
            return HttpResponseRedirect(reverse("trust_admin:list"))
    status = 400 if request.method == "POST" else 200
    return _page(request, "channel_form.html", {"form": form, "channel": channel}, status)


@admin_required
@require_POST
def channel_delete(request: HttpRequest, channel_id: int) -> HttpResponse:
    user = current_agent(request)
    channel: OfficialChannel = selectors.get_official_channel(
        account_id=user.account_pk, channel_id=channel_id
    )
    services.do_delete_official_channel(channel=channel, actor=user)
    messages.success(request, _("The channel was removed."))
    return HttpResponseRedirect(reverse("trust_admin:list"))
