"""Settings → X inboxes (administrators), and the optional Account Activity webhook: its
CRC challenge answered with the consumer secret, and a signed event making the next poll
run at once (the events themselves are read by the poll, in one code path)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from blockdesk.accounts.models import Account
from blockdesk.common.errors import BlockdeskError, RateLimited
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.connectors.x import services
from blockdesk.connectors.x.forms import XInboxForm, initial_for
from blockdesk.connectors.x.models import XChannel
from blockdesk.workspace.forms import apply_error
from blockdesk.workspace.http import admin_required, current_agent


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "connectors/x/settings.html", {**context, "section": "x"},
                  status=status)  # fmt: skip


@admin_required
@require_http_methods(["GET", "POST"])
def x_inbox(request: HttpRequest, inbox_id: int | None = None) -> HttpResponse:
    """The list with the add form (no inbox_id), or one inbox's form."""
    user = current_agent(request)
    channel = None
    if inbox_id is not None:
        channel = (
            XChannel.objects.select_related("inbox")
            .filter(inbox_id=inbox_id, inbox__account_id=user.account_pk)
            .first()
        )
        if channel is None:
            raise Http404()
    form = XInboxForm(request.POST or None, initial=initial_for(channel) if channel else None)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        name = values.pop("name")
        try:
            if channel is None:
                channel = services.do_create_x_inbox(
                    account=Account.objects.get(pk=user.account_pk), name=name, actor=user,
                    **values,
                )  # fmt: skip
            else:
                services.do_update_x_inbox(actor=user, channel=channel, name=name, **values)
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The X inbox was saved."))
            return HttpResponseRedirect(reverse("x_channel:edit", args=[channel.inbox_id]))
    channels = XChannel.objects.filter(inbox__account_id=user.account_pk).select_related("inbox")
    status = 400 if request.method == "POST" else 200
    return _page(request, {"form": form, "channel": channel, "channels": channels}, status)


def _hmac(secret: str, data: bytes) -> str:
    digest = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


@csrf_exempt  # X's servers call it; the HMAC with the consumer secret authenticates
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, inbox_id: int) -> HttpResponse:
    try:
        check_rate_limit(scope="x-webhook", key=client_ip(request.META), limit=120, window=60)
    except RateLimited:
        return JsonResponse({"error": "rate_limited"}, status=429)
    channel = XChannel.objects.filter(inbox_id=inbox_id, enabled=True).first()
    if channel is None or not channel.consumer_secret:
        return JsonResponse({"error": "unknown"}, status=404)
    if request.method == "GET":
        token = request.GET.get("crc_token", "")
        if not token:
            return JsonResponse({"error": "crc_token missing"}, status=400)
        return JsonResponse({"response_token": _hmac(channel.consumer_secret, token.encode())})
    given = request.headers.get("X-Twitter-Webhooks-Signature", "")
    if not hmac.compare_digest(given, _hmac(channel.consumer_secret, request.body)):
        return JsonResponse({"error": "invalid signature"}, status=401)
    XChannel.objects.filter(pk=channel.pk).update(last_polled_at=None)  # poll at the next run
    return JsonResponse({"ok": True})
