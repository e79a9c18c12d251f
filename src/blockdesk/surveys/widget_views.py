"""The widget's rating endpoint: the customer pressed a face (or a number, a thumb) on the
rating card under a survey message, perhaps with a comment. Same auth, limits and error
shape as the rest of the widget API (Bearer visitor token, no cookies). The offer must be
one of this visitor's conversations in this widget's inbox."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse

from blockdesk.common.errors import NotFound
from blockdesk.common.ratelimit import client_ip
from blockdesk.surveys import services
from blockdesk.surveys.models import CsatOffer, CsatResponse
from blockdesk.widget import services as widget_services
from blockdesk.widget.api import _body, _int, visitor_endpoint

MAX_ID = 2**63 - 1


@visitor_endpoint("POST")
def rate(request: HttpRequest, session: widget_services.VisitorSession) -> HttpResponse:
    data = _body(request)
    widget_services.check_public_rate_limit(
        scope="message", ip=client_ip(request.META), session=session
    )
    offer_id = _int(data.get("offer_id"), "offer_id", default=0) or 0
    if offer_id > MAX_ID:
        raise NotFound()
    offer = CsatOffer.objects.filter(
        pk=offer_id,
        status=CsatOffer.Status.SENT,
        conversation__contact_id=session.contact.pk,
        conversation__inbox_id=session.channel.inbox_id,
    ).first()
    if offer is None:
        raise NotFound()
    response = services.do_rate(
        offer=offer,
        score=data.get("score"),
        comment=str(data.get("comment") or ""),
        via=CsatResponse.Via.WIDGET,
    )
    return JsonResponse({"offer_id": offer.pk, "score": response.score}, status=201)
