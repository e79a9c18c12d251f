"""Settings → X inboxes (administrators), and the optional Account Activity webhook: its
CRC challenge answered with the consumer secret, and a signed event making the next poll
run at once (the events themselves are read by the poll, in one code path)."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from blockdesk.common.errors import RateLimited
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.connectors.channel_views import ChannelPage, channel_settings
from blockdesk.connectors.x import services
from blockdesk.connectors.x.forms import XInboxForm, initial_for
from blockdesk.connectors.x.models import XChannel
from blockdesk.workspace.http import admin_required

PAGE = ChannelPage(
    model=XChannel,
    form=XInboxForm,
    initial=initial_for,
    create=services.do_create_x_inbox,
    update=services.do_update_x_inbox,
    template="connectors/x/settings.html",
    section="x",
    edit_url="x_channel:edit",
    saved=gettext_lazy("The X inbox was saved."),
)


@admin_required
@require_http_methods(["GET", "POST"])
def x_inbox(request: HttpRequest, inbox_id: int | None = None) -> HttpResponse:
    """The list with the add form (no inbox_id), or one inbox's form."""
    return channel_settings(request, PAGE, inbox_id)


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
