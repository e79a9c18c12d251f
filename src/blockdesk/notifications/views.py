"""The links in list emails: confirm a subscription (double opt-in) and unsubscribe.

Both pages ask for a button press (a GET changes nothing: mail scanners that follow links
must not confirm or unsubscribe anyone). The unsubscribe POST is also the RFC 8058
one-click target that mail clients call without a CSRF token: the link's token is the
authorisation, hence csrf_exempt on that view only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from blockdesk.notifications import subscriptions


def link_page(
    request: HttpRequest,
    template: str,
    context: dict[str, object],
    status: int = 200,
    language: str | None = None,
) -> HttpResponse:
    """A page behind an emailed link (also other apps' unsubscribe links, with these
    templates): not indexed, and no Referer carrying the token away."""
    subscriber = context.get("subscriber")
    language = language or getattr(subscriber, "language", None) or translation.get_language()
    with translation.override(language):
        response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        subscriber = subscriptions.do_confirm(token=token)
        if subscriber is None:
            return link_page(request, "notifications/lists/invalid.html", {}, status=404)
        return link_page(
            request,
            "notifications/lists/done.html",
            {
                "subscriber": subscriber,
                "confirmed": True,
                "list_title": subscriptions.list_title(subscriber.list_name),
            },
        )
    subscriber = subscriptions.subscriber_for(token=token, purpose="confirm")
    if subscriber is None:
        return link_page(request, "notifications/lists/invalid.html", {}, status=404)
    return link_page(
        request,
        "notifications/lists/confirm_page.html",
        {"subscriber": subscriber, "list_title": subscriptions.list_title(subscriber.list_name)},
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        subscriber = subscriptions.do_unsubscribe(token=token)
        if subscriber is None:
            return link_page(request, "notifications/lists/invalid.html", {}, status=404)
        return link_page(
            request,
            "notifications/lists/done.html",
            {
                "subscriber": subscriber,
                "confirmed": False,
                "list_title": subscriptions.list_title(subscriber.list_name),
            },
        )
    subscriber = subscriptions.subscriber_for(token=token, purpose="unsubscribe")
    if subscriber is None:
        return link_page(request, "notifications/lists/invalid.html", {}, status=404)
    return link_page(
        request,
        "notifications/lists/unsubscribe_page.html",
        {"subscriber": subscriber, "list_title": subscriptions.list_title(subscriber.list_name)},
    )
