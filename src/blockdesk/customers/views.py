"""Public sign-in pages for customers: email link, password, wallet; the profile page.

Server-rendered and usable without JavaScript (the wallet button is the one exception: a
wallet lives in the browser). The session is our own cookie, never the agents' session."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blockdesk.accounts.models import Account
from blockdesk.common.crypto import new_token
from blockdesk.common.errors import BlockdeskError
from blockdesk.common.jsonbody import request_json_object
from blockdesk.common.ratelimit import client_ip
from blockdesk.common.redirects import safe_next
from blockdesk.customers import magic_links, selectors, services, wallet
from blockdesk.customers.decorators import customer_required
from blockdesk.customers.models import CustomerAccount

DEFAULT_NEXT = "/community/"


def _account() -> Account:
    account = selectors.site_account()
    if account is None:
        raise Http404
    return account


def _next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next")
    target = safe_next(request, candidate, DEFAULT_NEXT)
    return target if target.startswith("/") else DEFAULT_NEXT


def _language(request: HttpRequest) -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _cookie_args(max_age: int) -> dict[str, Any]:
    return {
        "max_age": max_age,
        "httponly": True,
        "samesite": "Lax",
        "secure": settings.SESSION_COOKIE_SECURE,
        "path": "/",
    }


def _signed_in(customer: CustomerAccount, method: services.SignInMethod, to: str) -> HttpResponse:
    started = services.do_start_session(customer=customer, method=method)
    response = HttpResponseRedirect(to)
    response.set_cookie(
        selectors.SESSION_COOKIE,
        started.token,
        **_cookie_args(int(services.SESSION_TTL.total_seconds())),
    )
    return response


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, {"account": _account(), **context}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    account = _account()
    context: dict[str, Any] = {"next": _next(request), "errors": {}, "email": ""}
    if request.method == "POST":
        action = request.POST.get("action")
        context["email"] = str(request.POST.get("email", ""))[:254]
        try:
            if action == "password":
                customer = services.check_password_sign_in(
                    account_id=account.pk,
                    email=request.POST.get("email"),
                    password=request.POST.get("password"),
                )
                return _signed_in(customer, "password", context["next"])
            magic_links.do_request_link(
                account_id=account.pk,
                email=request.POST.get("email"),
                ip=client_ip(request.META),
                language=_language(request),
            )
            return HttpResponseRedirect(reverse("customers:link_sent"))
        except BlockdeskError as exc:
            context["error"] = exc.message
            context["errors"] = exc.fields
            return _page(request, "customers/sign_in.html", context, status=exc.status)
    return _page(request, "customers/sign_in.html", context)


@require_GET
def link_sent(request: HttpRequest) -> HttpResponse:
    return _page(request, "customers/link_sent.html", {})


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links); POST signs in."""
    if len(token) > 100:
        raise Http404
    try:
        if request.method == "POST":
            customer, created = magic_links.do_consume_link(
                token=token, language=_language(request)
            )
            to = reverse("customers:profile") + "?welcome=1" if created else _next(request)
            return _signed_in(customer, "email_link", to)
        magic_links.pending_link(token=token)
    except BlockdeskError as exc:
        return _page(request, "customers/link.html", {"error": exc.message}, status=exc.status)
    return _page(request, "customers/link.html", {"next": _next(request)})


def _json_error(exc: BlockdeskError) -> JsonResponse:
    response = JsonResponse(exc.as_dict(), status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


@require_POST
def wallet_challenge(request: HttpRequest) -> HttpResponse:
    account = _account()
    browser = request.COOKIES.get(selectors.WALLET_COOKIE, "")
    fresh = not browser or len(browser) > 100
    if fresh:
        browser = new_token("bdw")
    try:
        data = request_json_object(request)
        challenge = wallet.do_issue_challenge(
            account_id=account.pk,
            browser_token=browser,
            address=data.get("address"),
            chain_id=data.get("chain_id"),
            host=request.get_host(),
            scheme=request.scheme or "https",
            ip=client_ip(request.META),
        )
    except BlockdeskError as exc:
        return _json_error(exc)
    response = JsonResponse({"message": challenge.message})
    if fresh:
        response.set_cookie(selectors.WALLET_COOKIE, browser, **_cookie_args(15 * 60))
    return response


@require_POST
def wallet_verify(request: HttpRequest) -> HttpResponse:
    try:
        data = request_json_object(request)
        customer, created = wallet.do_verify(
            browser_token=request.COOKIES.get(selectors.WALLET_COOKIE, "")[:100],
            message=data.get("message"),
            signature=data.get("signature"),
            ip=client_ip(request.META),
        )
    except BlockdeskError as exc:
        return _json_error(exc)
    to = reverse("customers:profile") + "?welcome=1" if created else _next(request)
    started = services.do_start_session(customer=customer, method="wallet")
    response = JsonResponse({"redirect": to})
    response.set_cookie(
        selectors.SESSION_COOKIE,
        started.token,
        **_cookie_args(int(services.SESSION_TTL.total_seconds())),
    )
    response.delete_cookie(selectors.WALLET_COOKIE)
    return response


@require_http_methods(["GET", "POST"])
@customer_required
def profile(request: HttpRequest) -> HttpResponse:
    customer: CustomerAccount = request.customer  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "customer": customer,
        "wallets": selectors.customer_wallets(customer=customer),
        "email": customer.contact.email,
        "welcome": request.GET.get("welcome") == "1",
        "languages": settings.LANGUAGES,
        "errors": {},
    }
    if request.method == "POST":
        try:
            if request.POST.get("action") == "password":
                services.do_set_password(customer=customer, password=request.POST.get("password"))
            else:
                services.do_update_profile(
                    customer=customer,
                    display_name=request.POST.get("display_name"),
                    locale=request.POST.get("locale"),
                )
        except BlockdeskError as exc:
            context["error"] = exc.message
            context["errors"] = exc.fields
            return _page(request, "customers/profile.html", context, status=exc.status)
        return HttpResponseRedirect(reverse("customers:profile") + "?saved=1")
    context["saved"] = request.GET.get("saved") == "1"
    return _page(request, "customers/profile.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    services.do_end_session(token=request.COOKIES.get(selectors.SESSION_COOKIE, "")[:200])
    response = HttpResponseRedirect(DEFAULT_NEXT)
    response.delete_cookie(selectors.SESSION_COOKIE)
    return response
