"""The public help center: no login, published articles of the installation's account,
pages that work without JavaScript (search results as you type are an extra)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts.models import Account
from blockdesk.common.errors import BlockdeskError, NotFound, RateLimited
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.kb import selectors, services
from blockdesk.kb.models import KbAsset
from blockdesk.kb.sources import SourceHit, SourceQuery, search_sources

SEARCH_LIMIT = 20
SUGGEST_LIMIT = 6
# Other sources (the forum's answered questions) listed after the articles.
MORE_LIMIT = 10
MORE_SUGGEST_LIMIT = 3


def _account() -> Account:
    account = selectors.help_center_account()
    if account is None:
        raise Http404
    return account


def _check_language(language: str) -> None:
    if language not in selectors.kb_languages():
        raise Http404


def _widget_token(account: Account) -> str | None:
    channel = WebWidgetChannel.objects.filter(inbox__account=account).order_by("inbox_id").first()
    return channel.public_token if channel else None


def _render(
    request: HttpRequest, template: str, language: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    account = context.get("account") or _account()
    ui_languages = {code for code, _name in settings.LANGUAGES}
    base = {
        "kb_language": language,
        "kb_hreflang": selectors.hreflang(language),
        "kb_languages": context.pop("languages", None)
        or [
            (code, selectors.language_name(code), reverse("kb:home", args=[code]))
            for code in selectors.kb_languages()
        ],
        "home_url": reverse("kb:home", args=[language]),
        "search_url": reverse("kb:search", args=[language]),
        "suggest_url": reverse("kb:search_json", args=[language]),
        "widget_token": _widget_token(account),
        **context,
    }
    # The page's interface speaks the article language when we have that catalogue.
    with translation.override(language if language in ui_languages else settings.LANGUAGE_CODE):
        return render(request, template, base, status=status)


def _alternates(name: str, language: str, *args: str) -> dict[str, Any]:
    urls = {
        code: selectors.absolute(reverse(name, args=[code, *args]))
        for code in selectors.kb_languages()
    }
    alternates = [(selectors.hreflang(code), url) for code, url in urls.items()]
    alternates.append(("x-default", urls[selectors.default_language()]))
    return {"canonical": urls[language], "alternates": alternates}


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    wanted = translation.get_language_from_request(request)
    languages = selectors.kb_languages()
    language = wanted if wanted in languages else selectors.default_language()
    return redirect("kb:home", language)


@require_GET
def home(request: HttpRequest, language: str) -> HttpResponse:
    _check_language(language)
    account = _account()
    data = selectors.help_home(account_id=account.pk, language=language)
    context = {"account": account, **data, **_alternates("kb:home", language)}
    return _render(request, "kb/help/home.html", language, context)


@require_GET
def category(request: HttpRequest, language: str, category: str) -> HttpResponse:
    _check_language(language)
    account = _account()
    try:
        card = selectors.help_category(account_id=account.pk, language=language, key=category)
    except NotFound as exc:
        raise Http404 from exc
    context = {"account": account, "card": card, **_alternates("kb:category", language, category)}
    return _render(request, "kb/help/category.html", language, context)


@require_GET
def article(request: HttpRequest, language: str, category: str, slug: str) -> HttpResponse:
    _check_language(language)
    account = _account()
    try:
        found = selectors.public_article(
            account_id=account.pk, language=language, category=category, slug=slug
        )
    except NotFound as exc:
        raise Http404 from exc
    if found.redirect:
        return HttpResponseRedirect(found.redirect, status=301)
    tr = found.translation
    assert tr is not None
    services.do_record_view(translation=tr)
    cat = tr.article.category
    context = {
        "account": account,
        "found": found,
        "canonical": found.canonical,
        "alternates": found.alternates,
        "tr": tr,
        "languages": found.languages,
        "category_name": selectors.localized(cat.names, language),
        "category_url": reverse("kb:category", args=[language, cat.key]),
        "shown_language_name": selectors.language_name(tr.language),
        "page_language_name": selectors.language_name(language),
        "feedback_url": reverse("kb:feedback", args=[language, cat.key, tr.slug]),
    }
    return _render(request, "kb/help/article.html", language, context)


@require_POST
def feedback(request: HttpRequest, language: str, category: str, slug: str) -> HttpResponse:
    _check_language(language)
    account = _account()
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        found = selectors.public_article(
            account_id=account.pk, language=language, category=category, slug=slug
        )
        if found.translation is None:
            raise NotFound()
        if not request.session.session_key:
            request.session.save()  # an anonymous reader's vote is keyed to their session
        session_key = request.session.session_key or ""
        services.do_vote(
            translation=found.translation,
            visitor=services.visitor_hash(session_key),
            ip=client_ip(request.META),
            helpful=request.POST.get("helpful") == "yes",
            comment=request.POST.get("comment", ""),
        )
    except BlockdeskError as exc:
        if wants_json:
            response = JsonResponse(exc.as_dict(), status=exc.status)
            for name, value in exc.headers.items():
                response[name] = value
            return response
        if exc.status == 404:
            raise Http404 from exc
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    with translation.override(language):
        thanks = _("Thank you for your feedback.")
    if wants_json:
        return JsonResponse({"ok": True, "message": thanks})
    messages.success(request, thanks)
    return redirect(reverse("kb:article", args=[language, category, slug]) + "#feedback")


def _check_search_rate_limit(request: HttpRequest) -> None:
    # Each search embeds the query (CPU-bound): one address may not monopolise a core.
    # Both the page and search-as-you-type count against the same allowance.
    check_rate_limit(
        scope="help-search",
        key=client_ip(request.META),
        limit=settings.SEARCH_RATE_LIMIT,
        window=settings.SEARCH_RATE_WINDOW,
    )


@require_GET
def search(request: HttpRequest, language: str) -> HttpResponse:
    _check_language(language)
    account = _account()
    query = request.GET.get("q", "").strip()[:200]
    context: dict[str, Any] = {"account": account, "query": query, "results": []}
    if not query:
        return _render(request, "kb/help/search.html", language, context)
    try:
        _check_search_rate_limit(request)
    except RateLimited as exc:
        context["error"] = exc.message
        response = _render(request, "kb/help/search.html", language, context)
        response.status_code = 429
        response["Retry-After"] = str(exc.retry_after)
        return response
    context["results"] = selectors.search_help_center(
        account_id=account.pk, query=query, language=language, limit=SEARCH_LIMIT
    )
    context["more"] = _more(account.pk, query, language, MORE_LIMIT)
    return _render(request, "kb/help/search.html", language, context)


def _more(account_id: int, query: str, language: str, limit: int) -> list[SourceHit]:
    """Registered sources' hits in the page's language (kb/sources.py)."""
    return search_sources(
        SourceQuery(account_id=account_id, query=query, language=language, limit=limit)
    )


@require_GET
def search_json(request: HttpRequest, language: str) -> JsonResponse:
    _check_language(language)
    account = _account()
    query = request.GET.get("q", "").strip()[:200]
    if query:
        try:
            _check_search_rate_limit(request)
        except RateLimited as exc:
            response = JsonResponse(exc.as_dict(), status=exc.status)
            response["Retry-After"] = str(exc.retry_after)
            return response
    results = selectors.search_help_center(
        account_id=account.pk, query=query, language=language, limit=SUGGEST_LIMIT
    )
    more = _more(account.pk, query, language, MORE_SUGGEST_LIMIT) if query else []
    return JsonResponse(
        {
            "query": query,
            "results": [
                {
                    "kind": "article",
                    "title": r.title,
                    "snippet": r.snippet,
                    "url": r.url,
                    "language": r.language,
                    "fallback": r.fallback,
                }
                for r in results
            ]
            + [
                {
                    "kind": hit.kind,
                    "label": hit.label,
                    "title": hit.title,
                    "snippet": hit.snippet,
                    "url": hit.url,
                    "language": hit.language,
                    "fallback": False,
                }
                for hit in more
            ],
        }
    )


@require_GET
def asset(request: HttpRequest, uid: str, filename: str) -> FileResponse:
    item = KbAsset.objects.filter(uid=uid).first()
    account = selectors.help_center_account()
    if item is None or account is None or item.account_id != account.pk:
        raise Http404
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400"
    return response
