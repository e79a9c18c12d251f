"""Settings → Telegram bots: administrators add and change Telegram inboxes. The
services check the role and the account again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from blockdesk.accounts.models import Account
from blockdesk.common.errors import BlockdeskError
from blockdesk.connectors.telegram import services
from blockdesk.connectors.telegram.forms import TelegramInboxForm, initial_for
from blockdesk.connectors.telegram.models import TelegramChannel
from blockdesk.workspace.forms import apply_error
from blockdesk.workspace.http import admin_required, current_agent

GET_POST = require_http_methods(["GET", "POST"])


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(
        request,
        "connectors/telegram/settings.html",
        {**context, "section": "telegram"},
        status=status,
    )


def _values(form: TelegramInboxForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("name")
    return data


@admin_required
@GET_POST
def telegram_inboxes(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = TelegramInboxForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.do_create_telegram_inbox(
                account=Account.objects.get(pk=user.account_pk),
                name=form.cleaned_data["name"],
                actor=user,
                **_values(form),
            )
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The Telegram bot was added."))
            return HttpResponseRedirect(reverse("telegram_channel:edit", args=[channel.inbox_id]))
    channels = TelegramChannel.objects.filter(inbox__account_id=user.account_pk).select_related(
        "inbox"
    )
    status = 400 if request.method == "POST" else 200
    return _page(request, {"form": form, "channels": channels}, status)


@admin_required
@GET_POST
def telegram_inbox_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    user = current_agent(request)
    channel = (
        TelegramChannel.objects.select_related("inbox")
        .filter(inbox_id=inbox_id, inbox__account_id=user.account_pk)
        .first()
    )
    if channel is None:
        raise Http404()
    form = TelegramInboxForm(request.POST or None, initial=initial_for(channel))
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_telegram_inbox(
                actor=user, channel=channel, name=form.cleaned_data["name"], **_values(form)
            )
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The Telegram bot was saved."))
            return HttpResponseRedirect(reverse("telegram_channel:edit", args=[inbox_id]))
    status = 400 if request.method == "POST" else 200
    return _page(request, {"form": form, "channel": channel}, status)
