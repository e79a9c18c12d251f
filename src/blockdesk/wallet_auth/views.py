"""HTTP for wallet sign-in.

- JSON under /wallet/api/<public_token>/ for the widget frame and the sign-in page: the
  visitor authenticates with `Authorization: Bearer <visitor token>` exactly as on the widget
  API (no cookies, hence no CSRF); every failure has the one error shape.
- /wallet/sign-in/?widget=<public_token>: a top-level page for browsers whose wallet does not
  reach into the widget's iframe (see docs/wallet-sign-in.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from blockdesk.common.errors import BlockdeskError, Unauthenticated
from blockdesk.common.jsonbody import request_json_object
from blockdesk.common.ratelimit import client_ip
from blockdesk.common.redirects import safe_next
from blockdesk.wallet_auth import selectors, services
from blockdesk.wallet_auth.strings import WALLET_STRINGS, translated
from blockdesk.widget import services as widget_services
from blockdesk.widget.api import MethodNotAllowed, error_response
from blockdesk.widget.serializers import visitor_dict
from blockdesk.widget.services import VisitorSession
from blockdesk.widget.views import widget_language

WalletView = Callable[[HttpRequest, VisitorSession, str], HttpResponse]


def _bearer(request: HttpRequest) -> str:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    return token.strip()


def _json(request: HttpRequest) -> dict[str, Any]:
    return request_json_object(request)


def wallet_endpoint(*methods: str) -> Callable[[WalletView], Callable[..., HttpResponse]]:
    """The view gets the resolved visitor and their plain token (nonces bind to its hash)."""

    def decorate(view: WalletView) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, public_token: str) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise MethodNotAllowed(_("This method is not allowed here."))
                channel = widget_services.get_widget_channel(public_token=public_token)
                token = _bearer(request)
                session = widget_services.resolve_visitor(channel=channel, token=token)
                response = view(request, session, token)
            except BlockdeskError as exc:
                response = error_response(exc)
            response["Cache-Control"] = "no-store"
            return response

        return wrapper

    return decorate


def _wallet_dict(address: str | None) -> dict[str, str] | None:
    if not address:
        return None
    return {"address": address, "short": services.short_address(address)}


@wallet_endpoint("POST")
def challenge(request: HttpRequest, session: VisitorSession, token: str) -> HttpResponse:
    services.check_wallet_rate_limit(
        scope="challenge", ip=client_ip(request.META), visitor_token=token
    )
    data = _json(request)
    issued = services.do_issue_challenge(
        session=session,
        visitor_token=token,
        address=data.get("address"),
        chain_id=data.get("chain_id"),
        origin=services.site_origin(host=request.get_host(), scheme=request.scheme or "https"),
    )
    return JsonResponse(
        {
            "message": issued.message,
            "address": issued.address,
            "chain_id": issued.chain_id,
            "expires_at": issued.expires_at.isoformat(),
            "explanation": str(services.EXPLANATION),
        },
        status=201,
    )


@wallet_endpoint("POST")
def verify(request: HttpRequest, session: VisitorSession, token: str) -> HttpResponse:
    services.check_wallet_rate_limit(
        scope="verify", ip=client_ip(request.META), visitor_token=token
    )
    data = _json(request)
    result = services.do_verify_sign_in(
        session=session,
        visitor_token=token,
        message=data.get("message"),
        signature=data.get("signature"),
    )
    return JsonResponse(
        {
            "wallet": _wallet_dict(result.address),
            "visitor": visitor_dict(result.contact),
            "moved": result.moved,
            "merged_conversations": result.merged_conversations,
        }
    )


@wallet_endpoint("GET")
def status(request: HttpRequest, session: VisitorSession, token: str) -> HttpResponse:
    return JsonResponse({"wallet": _wallet_dict(selectors.contact_wallet(contact=session.contact))})


@wallet_endpoint("POST")
def sign_out(request: HttpRequest, session: VisitorSession, token: str) -> HttpResponse:
    services.check_wallet_rate_limit(
        scope="sign-out", ip=client_ip(request.META), visitor_token=token
    )
    new_session, new_token = services.do_sign_out(session=session, visitor_token=token)
    return JsonResponse(
        {"visitor_token": new_token, "visitor": visitor_dict(new_session.contact), "wallet": None}
    )


def _safe_next(request: HttpRequest) -> str:
    # A path on this site only (it becomes a link in the sign-in page).
    target = safe_next(request, request.GET.get("next"), "")
    return target if target.startswith("/") and len(target) <= 500 else ""


@require_GET
def sign_in_page(request: HttpRequest) -> HttpResponse:
    try:
        channel = widget_services.get_widget_channel(
            public_token=(request.GET.get("widget") or "").strip()
        )
    except BlockdeskError as exc:
        raise Http404 from exc
    language = widget_language(request)
    config = {
        "token": channel.public_token,
        "api": reverse("wallet_auth:api_root", kwargs={"public_token": channel.public_token}),
        "session_api": reverse("widget:api_session", kwargs={"public_token": channel.public_token}),
        # Where the widget frame keeps its visitor token (widget/frame-lib.js createStore).
        "store_prefix": f"blockdesk:{channel.public_token}:",
        "next": _safe_next(request),
        "lang": language,
    }
    with translation.override(language):
        strings = translated(WALLET_STRINGS)
        response = render(
            request,
            "wallet_auth/sign_in.html",
            {
                "channel": channel,
                "title": channel.welcome_title or channel.inbox.name,
                "config": config,
                "strings": strings,
                "statement": services.STATEMENT,
                "explanation": services.EXPLANATION,
                "page_language": language,
            },
        )
    response["Content-Language"] = language
    # The widget opens this page in a popup and waits for its postMessage. Django's default
    # COOP (same-origin) would cut `window.opener` whenever the widget sits on another site.
    response["Cross-Origin-Opener-Policy"] = "unsafe-none"
    response["Cache-Control"] = "no-store"
    return response
