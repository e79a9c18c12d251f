"""The widget's quick-reply endpoint: the customer pressed "Yes, solved", "No, I need
more help" or a clarification option under an assistant message. Same auth, limits and
error shape as the rest of the widget API (Bearer visitor token, no cookies)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from blockdesk.assistant import services
from blockdesk.common.ratelimit import client_ip
from blockdesk.widget import services as widget_services
from blockdesk.widget.api import _body, _int, visitor_endpoint
from blockdesk.widget.serializers import widget_message_dict


@visitor_endpoint("POST")
def quick_reply(request: HttpRequest, session: widget_services.VisitorSession) -> HttpResponse:
    data = _body(request)
    widget_services.check_public_rate_limit(
        scope="message", ip=client_ip(request.META), session=session
    )
    message = services.do_quick_reply(
        contact_id=session.contact.pk,
        message_id=_int(data.get("message_id"), "message_id", default=0) or 0,
        choice=str(data.get("choice") or ""),
    )
    return JsonResponse({"message": widget_message_dict(message)}, status=201)
