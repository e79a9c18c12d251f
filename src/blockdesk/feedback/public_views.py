"""The public pages at /feedback/: the list (top or new, by status, search), the roadmap
board in server-rendered columns, a suggestion's page, and the forms to post and vote
(signed-in customers; POST with CSRF). No JavaScript; indexable; each page limited per
client address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts.models import Account
from blockdesk.common.errors import BlockdeskError, NotFound
from blockdesk.common.language_links import query_links, with_query_language
from blockdesk.common.ratelimit import client_ip, public_page_limit
from blockdesk.customers.decorators import sign_in_url, to_sign_in
from blockdesk.customers.selectors import signed_in_contact
from blockdesk.feedback import selectors, services
from blockdesk.kb.selectors import help_center_account


def _account() -> Account:
    account = help_center_account()
    if account is None or not services.settings_for(account.pk).enabled:
        raise Http404
    return account


def _limited(request: HttpRequest) -> HttpResponse | None:
    return public_page_limit(
        request, scope="feedback-public", limit=settings.FEEDBACK_PUBLIC_RATE_LIMIT
    )


def _page(
    request: HttpRequest,
    template: str,
    account: Account,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    contact = signed_in_contact(request, account_id=account.pk)
    base = {
        "account": account,
        "customer": contact,
        "sign_in": sign_in_url(request.get_full_path()),
        **query_links(request),
        "statuses": services.Status.choices,
        "votes_left": (
            max(services.vote_budget(contact) - services.live_votes(contact), 0)
            if contact
            else None
        ),
        "voted": selectors.voted_ids(contact),
        **context,
    }
    return render(request, template, base, status=status)


@with_query_language
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    account = _account()
    sort = request.GET.get("sort", "top")
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()[:100]
    rows = selectors.public_suggestions(
        account_id=account.pk, sort=sort, status=status, query=query
    )
    page = Paginator(rows, selectors.PAGE).get_page(request.GET.get("page"))
    return _page(
        request,
        "feedback/index.html",
        account,
        {"page": page, "sort": sort, "status": status, "q": query},
    )


@with_query_language
@require_GET
def roadmap(request: HttpRequest) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    account = _account()
    return _page(
        request,
        "feedback/roadmap.html",
        account,
        {"columns": selectors.roadmap(account_id=account.pk)},
    )


@with_query_language
@require_GET
def detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    account = _account()
    try:
        suggestion = selectors.public_suggestion(account_id=account.pk, suggestion_id=suggestion_id)
    except NotFound as exc:
        raise Http404 from exc
    if suggestion.merged_into_id:
        # A duplicate's address leads to the original (its votes are there now).
        return HttpResponseRedirect(
            reverse("feedback_public:detail", args=[suggestion.merged_into_id])
        )
    return _page(
        request,
        "feedback/detail.html",
        account,
        {"suggestion": suggestion, "history": selectors.history(suggestion)},
    )


def _error(request: HttpRequest, exc: BlockdeskError) -> HttpResponse:
    response = HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    for name, value in exc.headers.items():
        response[name] = value
    return response


@require_POST
def post(request: HttpRequest) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    account = _account()
    contact = signed_in_contact(request, account_id=account.pk)
    if contact is None:
        return to_sign_in(reverse("feedback_public:index"))
    try:
        suggestion = services.do_post_suggestion(
            account_id=account.pk,
            author=contact,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            address=client_ip(request.META),
        )
    except BlockdeskError as exc:
        return _error(request, exc)
    return HttpResponseRedirect(reverse("feedback_public:detail", args=[suggestion.pk]))


@require_POST
def vote(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    account = _account()
    contact = signed_in_contact(request, account_id=account.pk)
    if contact is None:
        return to_sign_in(reverse("feedback_public:detail", args=[suggestion_id]))
    try:
        if request.POST.get("action") == "unvote":
            services.do_unvote(suggestion_id=suggestion_id, contact=contact)
        else:
            services.do_vote(
                suggestion_id=suggestion_id, contact=contact, address=client_ip(request.META)
            )
    except NotFound as exc:
        raise Http404 from exc
    except BlockdeskError as exc:
        return _error(request, exc)
    return HttpResponseRedirect(reverse("feedback_public:detail", args=[suggestion_id]))
