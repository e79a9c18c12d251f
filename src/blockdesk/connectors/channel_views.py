"""The settings page every platform channel shares (Settings → Email inboxes, Telegram
bots, Discord inboxes, X inboxes): the list with an "add" form, or one inbox's form; the
package's services check the role and the account again and validate its settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import BlockdeskError
from blockdesk.connectors.models import BaseChannel
from blockdesk.workspace.forms import apply_error
from blockdesk.workspace.http import current_agent


@dataclass(frozen=True)
class ChannelPage:
    model: type[BaseChannel]
    form: type[forms.Form]
    initial: Callable[[Any], dict[str, object]]
    create: Callable[..., BaseChannel]  # (account=, name=, actor=, **values)
    update: Callable[..., BaseChannel]  # (actor=, channel=, name=, **values)
    template: str
    section: str
    edit_url: str  # the URL name of one inbox's page
    saved: Any  # the success message (a lazy translation)
    more_context: Callable[[HttpRequest, Any], dict[str, Any]] | None = None
    added: Any = None  # the message after "add", when it differs from `saved`


def _channel(page: ChannelPage, user: User, inbox_id: int) -> Any:
    manager: models.Manager[Any] = page.model._default_manager
    channel = manager.select_related("inbox").filter(
        inbox_id=inbox_id, inbox__account_id=user.account_pk
    )
    found = channel.first()
    if found is None:
        raise Http404()
    return found


def channel_settings(request: HttpRequest, page: ChannelPage, inbox_id: int | None) -> HttpResponse:
    user = current_agent(request)
    channel = _channel(page, user, inbox_id) if inbox_id is not None else None
    initial = page.initial(channel) if channel is not None else None
    form = page.form(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        name = values.pop("name")
        adding = channel is None
        try:
            if channel is None:
                account = Account.objects.get(pk=user.account_pk)
                channel = page.create(account=account, name=name, actor=user, **values)
            else:
                page.update(actor=user, channel=channel, name=name, **values)
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, page.added if adding and page.added else page.saved)
            return HttpResponseRedirect(reverse(page.edit_url, args=[channel.inbox_id]))
    manager: models.Manager[Any] = page.model._default_manager
    context: dict[str, Any] = {
        "form": form,
        "channel": channel,
        "channels": manager.filter(inbox__account_id=user.account_pk).select_related("inbox"),
        "section": page.section,
        **(page.more_context(request, channel) if page.more_context and channel else {}),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, page.template, context, status=status)
