"""Settings → Discord inboxes (administrators), and the public interactions endpoint
Discord calls for the `/support` command (signed: 401 without a valid signature)."""

from __future__ import annotations

import json
from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.common.errors import RateLimited
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.connectors.channel_views import ChannelPage, channel_settings
from blockdesk.connectors.discord import inbound, payloads, services, signature
from blockdesk.connectors.discord.forms import DiscordInboxForm, initial_for
from blockdesk.connectors.discord.models import DiscordChannel
from blockdesk.workspace.http import admin_required

MAX_BODY = 64 * 1024


def _endpoint(request: HttpRequest, channel: DiscordChannel) -> dict[str, Any]:
    url = reverse("discord_hooks:interactions", args=[channel.inbox_id])
    return {"endpoint": request.build_absolute_uri(url)}


PAGE = ChannelPage(
    model=DiscordChannel,
    form=DiscordInboxForm,
    initial=initial_for,
    create=services.do_create_discord_inbox,
    update=services.do_update_discord_inbox,
    template="connectors/discord/settings.html",
    section="discord",
    edit_url="discord_channel:edit",
    saved=gettext_lazy("The Discord inbox was saved."),
    more_context=_endpoint,
)


@admin_required
@require_http_methods(["GET", "POST"])
def discord_inbox(request: HttpRequest, inbox_id: int | None = None) -> HttpResponse:
    return channel_settings(request, PAGE, inbox_id)


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
