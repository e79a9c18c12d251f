"""Settings → Discord inboxes (administrators), and the public interactions endpoint
Discord calls for the `/support` command (signed: 401 without a valid signature)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.accounts.models import Account
from blockdesk.common.errors import BlockdeskError, RateLimited
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.connectors.discord import inbound, payloads, services, signature
from blockdesk.connectors.discord.forms import DiscordInboxForm, initial_for
from blockdesk.connectors.discord.models import DiscordChannel
from blockdesk.workspace.forms import apply_error
from blockdesk.workspace.http import admin_required, current_agent

GET_POST = require_http_methods(["GET", "POST"])
MAX_BODY = 64 * 1024


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(
        request, "connectors/discord/settings.html", {**context, "section": "discord"},
        status=status,
    )  # fmt: skip


def _values(form: DiscordInboxForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("name")
    return data


@admin_required
@GET_POST
def discord_inboxes(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = DiscordInboxForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.do_create_discord_inbox(
                account=Account.objects.get(pk=user.account_pk),
                name=form.cleaned_data["name"], actor=user, **_values(form),
            )  # fmt: skip
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The Discord inbox was added."))
            return HttpResponseRedirect(reverse("discord_channel:edit", args=[channel.inbox_id]))
    channels = DiscordChannel.objects.filter(inbox__account_id=user.account_pk).select_related(
        "inbox"
    )
    status = 400 if request.method == "POST" else 200
    return _page(request, {"form": form, "channels": channels}, status)


@admin_required
@GET_POST
def discord_inbox_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    user = current_agent(request)
    channel = (
        DiscordChannel.objects.select_related("inbox")
        .filter(inbox_id=inbox_id, inbox__account_id=user.account_pk)
        .first()
    )
    if channel is None:
        raise Http404()
    form = DiscordInboxForm(request.POST or None, initial=initial_for(channel))
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_discord_inbox(
                actor=user, channel=channel, name=form.cleaned_data["name"], **_values(form)
            )
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, _("The Discord inbox was saved."))
            return HttpResponseRedirect(reverse("discord_channel:edit", args=[inbox_id]))
    status = 400 if request.method == "POST" else 200
    endpoint = request.build_absolute_uri(reverse("discord_hooks:interactions", args=[inbox_id]))
    return _page(request, {"form": form, "channel": channel, "endpoint": endpoint}, status)


@csrf_exempt  # Discord's servers call it; the Ed25519 signature is the authentication
@require_POST
def interactions(request: HttpRequest, inbox_id: int) -> HttpResponse:
    try:
        check_rate_limit(scope="discord-interactions", key=client_ip(request.META),
                         limit=120, window=60)  # fmt: skip
    except RateLimited as exc:
        return JsonResponse({"error": "rate_limited"}, status=429,
                            headers={"Retry-After": str(exc.retry_after)})  # fmt: skip
    body = request.body[: MAX_BODY + 1]
    channel = DiscordChannel.objects.select_related("inbox").filter(inbox_id=inbox_id).first()
    if channel is None or not channel.public_key:
        return JsonResponse({"error": "unknown"}, status=404)
    if len(body) > MAX_BODY or not signature.is_valid(
        public_key_hex=channel.public_key,
        signature_hex=request.headers.get("X-Signature-Ed25519", ""),
        timestamp=request.headers.get("X-Signature-Timestamp", ""),
        body=body,
    ):
        return JsonResponse({"error": "invalid request signature"}, status=401)
    try:
        data = json.loads(body)
    except ValueError:
        return JsonResponse({"error": "invalid json"}, status=400)
    interaction = payloads.parse_interaction(data) if isinstance(data, dict) else None
    if interaction is None:
        return JsonResponse({"error": "not an interaction"}, status=400)
    return JsonResponse(inbound.handle_interaction(channel, interaction))
