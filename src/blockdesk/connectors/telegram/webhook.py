"""POST /telegram/webhook/<inbox_id>/: Telegram's calls to a webhook-mode bot.

Only a call carrying the inbox's secret in X-Telegram-Bot-Api-Secret-Token is
Telegram's (we gave it that secret with setWebhook): anything else gets 403 before the
body is read. A handled or replayed update answers 200 (Telegram would resend anything
else); a body that is no update answers 400, which Telegram does not retry."""

from __future__ import annotations

import hmac
import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from blockdesk.common.errors import BlockdeskError
from blockdesk.connectors.telegram.models import TelegramChannel

logger = logging.getLogger(__name__)

HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"
MAX_BODY = 1024 * 1024  # updates carry file ids, never files


@csrf_exempt  # Telegram has no session: the secret token is the proof
@require_POST
def telegram_webhook(request: HttpRequest, inbox_id: int) -> HttpResponse:
    channel = (
        TelegramChannel.objects.select_related("inbox")
        .filter(inbox_id=inbox_id, mode=TelegramChannel.Mode.WEBHOOK)
        .first()
    )
    given = request.META.get(HEADER, "")
    # Same answer for an unknown inbox and a wrong secret: nothing to learn by probing.
    if (
        channel is None
        or not given
        or not hmac.compare_digest(given.encode(), channel.webhook_secret.encode())
    ):
        return JsonResponse({"error": "forbidden"}, status=403)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "bad json"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": "bad update"}, status=400)
    # python-telegram-bot (~20 MB with its dependencies) loads with the first update, not
    # in every web worker that loads the URL routes (docs/benchmarks.md, "Memory").
    from blockdesk.connectors.telegram.inbound import handle_update

    try:
        handled = handle_update(channel=channel, payload=payload)
    except BlockdeskError as exc:
        logger.warning("telegram webhook of inbox %s: %s", inbox_id, exc.message)
        return JsonResponse({"error": exc.code}, status=400)
    return JsonResponse({"status": handled.status})
