"""Settings → Email inboxes: administrators add and change email inboxes and test the
IMAP connection. The services check the role and the account again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.accounts.models import Account
from blockdesk.common.errors import BlockdeskError, NotFound
from blockdesk.connectors.email import selectors, services
from blockdesk.connectors.email.forms import EmailInboxForm, initial_for
from blockdesk.connectors.email.models import EmailChannel
from blockdesk.workspace.forms import apply_error
from blockdesk.workspace.http import admin_required, current_agent

GET_POST = require_http_methods(["GET", "POST"])


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(
        request, "connectors/email/settings.html", {**context, "section": "email"}, status=status
    )


def _channel(request: HttpRequest, inbox_id: int) -> EmailChannel:
    try:
        return selectors.get_email_channel(user=current_agent(request), inbox_id=inbox_id)
    except NotFound as exc:
        raise Http404() from exc


def _values(form: EmailInboxForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("name")
    return data


@admin_required
@GET_POST
def email_inboxes(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = EmailInboxForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.do_create_email_inbox(
                account=Account.objects.get(pk=user.account_pk),
                name=form.cleaned_data["name"],
                actor=user,
                **_values(form),
            )
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The email inbox was added."))
            return HttpResponseRedirect(reverse("email_channel:edit", args=[channel.inbox_id]))
    channels = selectors.email_channels(user=user)
    status = 400 if request.method == "POST" else 200
    return _page(request, {"form": form, "channels": channels}, status)


@admin_required
@GET_POST
def email_inbox_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    user = current_agent(request)
    channel = _channel(request, inbox_id)
    form = EmailInboxForm(request.POST or None, initial=initial_for(channel))
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_email_inbox(
                actor=user, channel=channel, name=form.cleaned_data["name"], **_values(form)
            )
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The email inbox was saved."))
            return HttpResponseRedirect(reverse("email_channel:edit", args=[inbox_id]))
    status = 400 if request.method == "POST" else 200
    return _page(request, {"form": form, "channel": channel}, status)


@admin_required
@require_POST
def email_inbox_test(request: HttpRequest, inbox_id: int) -> HttpResponse:
    """The "test connection" button."""
    user = current_agent(request)
    channel = _channel(request, inbox_id)
    try:
        messages.success(request, services.check_email_connection(actor=user, channel=channel))
    except BlockdeskError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("email_channel:edit", args=[inbox_id]))
