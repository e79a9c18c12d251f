"""The widget's queue endpoint: a waiting customer's place in line and an estimated wait.
Same auth, limits and error shape as the rest of the widget API (Bearer visitor token, no
cookies); the conversation must be this visitor's, in this widget's inbox. Polled by
static/routing/widget.js while the case is queued (no inline script)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from blockdesk.common.errors import NotFound
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.routing import queue
from blockdesk.routing.models import InboxRouting, RoutedCase
from blockdesk.widget import services as widget_services
from blockdesk.widget.api import _int, visitor_endpoint

MAX_ID = 2**63 - 1
# A read polled every 20 s by an open widget: generous, but bounded per visitor and IP.
POLLS_PER_MINUTE = 30


@visitor_endpoint("GET")
def place(request: HttpRequest, session: widget_services.VisitorSession) -> HttpResponse:
    key = f"{session.contact.account_id}:{session.contact.pk}"
    check_rate_limit(scope="routing-queue-visitor", key=key, limit=POLLS_PER_MINUTE, window=60)
    check_rate_limit(
        scope="routing-queue-ip", key=client_ip(request.META), limit=POLLS_PER_MINUTE * 4, window=60
    )
    conversation_id = _int(request.GET.get("conversation_id"), "conversation_id", default=0) or 0
    if conversation_id > MAX_ID:
        raise NotFound()
    case = RoutedCase.objects.filter(
        pk=conversation_id,
        conversation__contact_id=session.contact.pk,
        inbox_id=session.channel.inbox_id,
    ).first()
    config = InboxRouting.objects.filter(inbox_id=session.channel.inbox_id).first()
    found = (
        queue.place_of(case, config)
        if case is not None and config is not None and config.show_queue_in_widget
        else None
    )
    if found is None:
        return JsonResponse({"queued": False})
    return JsonResponse(
        {"queued": True, "position": found.position, "wait_minutes": found.wait_minutes}
    )
