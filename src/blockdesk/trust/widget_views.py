"""The widget's anti-phishing code endpoint: /verify/widget/<public_token>/anti-phishing-code.

Same contract as the rest of the widget API: `Authorization: Bearer <visitor token>`,
no cookies (so no CSRF), JSON in and out, the one error shape, never cached."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from blockdesk.common.jsonbody import request_json_object
from blockdesk.common.ratelimit import client_ip
from blockdesk.trust import selectors, services
from blockdesk.widget.api import visitor_endpoint
from blockdesk.widget.services import VisitorSession, check_public_rate_limit


def _json(request: HttpRequest) -> dict[str, Any]:
    return request_json_object(request)


@visitor_endpoint("GET", "POST", "DELETE")
def anti_phishing_code(request: HttpRequest, session: VisitorSession) -> HttpResponse:
    contact = session.contact
    if request.method != "GET":
        check_public_rate_limit(scope="anti-phishing", ip=client_ip(request.META), session=session)
    if request.method == "POST":
        code = services.do_set_anti_phishing_code(
            contact=contact, code=str(_json(request).get("code") or "")
        )
        return JsonResponse({"code": code})
    if request.method == "DELETE":
        services.do_clear_anti_phishing_code(contact=contact)
        return JsonResponse({"code": None})
    return JsonResponse({"code": selectors.anti_phishing_code_for(contact)})
