"""POST /telegram/widget/<public_token>/link {"conversation_id": N}: a deep link that
continues the signed-in widget customer's own case on Telegram. Same contract as the
rest of the widget API (Bearer visitor token, JSON, the one error shape)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from blockdesk.common.errors import ValidationFailed
from blockdesk.common.jsonbody import request_json_object
from blockdesk.common.ratelimit import client_ip
from blockdesk.connectors.telegram.deeplink import LINK_TTL, do_create_link, link_url
from blockdesk.widget.api import visitor_endpoint
from blockdesk.widget.selectors import get_visitor_conversation
from blockdesk.widget.services import VisitorSession, check_public_rate_limit


@visitor_endpoint("POST")
def telegram_link(request: HttpRequest, session: VisitorSession) -> HttpResponse:
    check_public_rate_limit(scope="telegram-link", ip=client_ip(request.META), session=session)
    raw = request_json_object(request).get("conversation_id")
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise ValidationFailed.field("conversation_id", "conversation_id")
    conversation = get_visitor_conversation(
        contact=session.contact, channel=session.channel, conversation_id=raw, annotated=False
    )
    channel, token = do_create_link(contact=session.contact, conversation=conversation)
    return JsonResponse(
        {
            "url": link_url(channel, token),
            "bot": channel.bot_username,
            "expires_in": int(LINK_TTL.total_seconds()),
        },
        status=201,
    )
