"""The public survey pages: no login, server-rendered, no JavaScript.

- the CSAT rating page, reached by the signed link of one offer (`?score=` preselects the
  face the customer clicked in the email: a GET never records anything, since mail
  scanners open links; one press of "Send" does);
- the NPS page, the same for one NPS survey;
- an account's published figures (opt-in), cached.

Each is limited per client IP. A tampered, foreign or expired link is a 404; an answered
survey refuses a second answer (409)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from blockdesk.common.errors import BlockdeskError, Conflict, NotFound
from blockdesk.common.ratelimit import public_page_limit
from blockdesk.surveys import nps, selectors, services
from blockdesk.surveys.models import CsatResponse, NpsResponse, SurveySettings

EMOJI = {1: "😠", 2: "😞", 3: "😐", 4: "😊", 5: "😀"}


def _limited(request: HttpRequest) -> HttpResponse | None:
    return public_page_limit(
        request, scope="surveys-public", limit=settings.SURVEYS_PUBLIC_RATE_LIMIT
    )


def scale_choices(scale: str) -> list[dict[str, Any]]:
    """The buttons of a scale, best last, each with its stored score (1–5)."""
    if scale == SurveySettings.Scale.THUMBS:
        return [{"score": 1, "label": "👎"}, {"score": 5, "label": "👍"}]
    if scale == SurveySettings.Scale.EMOJI:
        return [{"score": s, "label": EMOJI[s]} for s in range(1, 6)]
    return [{"score": s, "label": str(s)} for s in range(1, 6)]


def _no_store(response: HttpResponse) -> HttpResponse:
    # The token is in the URL; the site-wide Referrer-Policy (strict-origin-when-cross-
    # origin) already keeps the path from other sites. Not "no-referrer": browsers then
    # send "Origin: null" with the form, which Django's CSRF check refuses.
    response["Cache-Control"] = "no-store"
    return response


def _answer_page(
    request: HttpRequest,
    *,
    template: str,
    language: str,
    answered: bool,
    answer: Callable[[], object],
    field: str,
    max_length: int,
    context: dict[str, Any],
) -> HttpResponse:
    """GET shows the form (a score in the query preselected, nothing recorded); POST
    records the answer once. A second POST — a replay — gets 409 and the first answer
    stands."""
    context.update(selected=request.GET.get("score", ""), error=None, done=answered, **{field: ""})
    status = 200
    if request.method == "POST" and not answered:
        context["selected"] = request.POST.get("score", "")
        context[field] = request.POST.get(field, "")[:max_length]
        try:
            answer()
            context["done"], context["thanks"] = True, True
        except Conflict:
            context["done"], status = True, 409
        except BlockdeskError as exc:
            context["error"], status = exc.message, exc.status
    elif request.method == "POST":
        status = 409
    with translation.override(language):
        response = render(request, template, context, status=status)
    return _no_store(response)


def _language(locale: str) -> str:
    return locale or translation.get_language() or settings.LANGUAGE_CODE


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    try:
        offer = services.offer_from_token(token)
    except NotFound as exc:
        raise Http404 from exc
    return _answer_page(
        request,
        template="surveys/rate.html",
        language=_language(offer.conversation.contact.locale),
        answered=CsatResponse.objects.filter(offer=offer).exists(),
        answer=lambda: services.do_rate(
            offer=offer,
            score=request.POST.get("score"),
            comment=request.POST.get("comment", ""),
            via=CsatResponse.Via.LINK,
            rater=request.user,
        ),
        field="comment",
        max_length=services.MAX_COMMENT,
        context={"number": offer.conversation.display_id, "choices": scale_choices(offer.scale)},
    )


@require_http_methods(["GET", "POST"])
def nps_page(request: HttpRequest, token: str) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    try:
        survey = nps.survey_from_token(token)
    except NotFound as exc:
        raise Http404 from exc
    return _answer_page(
        request,
        template="surveys/nps.html",
        language=_language(survey.contact.locale),
        answered=NpsResponse.objects.filter(survey=survey).exists(),
        answer=lambda: nps.do_answer_nps(
            survey=survey,
            score=request.POST.get("score"),
            reason=request.POST.get("reason", ""),
        ),
        field="reason",
        max_length=nps.MAX_REASON,
        context={"scores": list(range(11))},
    )


def published_figures(public_id: str) -> tuple[SurveySettings, dict[int, selectors.Figures]]:
    config = (
        SurveySettings.objects.select_related("account")
        .filter(public_id=public_id, publish_figures=True)
        .first()
    )
    if config is None:
        raise NotFound()
    key = f"surveys:public:{config.account_id}"
    figures = cache.get(key)
    if figures is None:
        figures = {
            days: selectors.figures(account_id=config.account_id, days=days)
            for days in selectors.WINDOWS
        }
        cache.set(key, figures, settings.SURVEYS_PUBLIC_CACHE_SECONDS)
    return config, figures


@require_http_methods(["GET", "HEAD"])
def public_figures(request: HttpRequest, public_id: str) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    try:
        config, figures = published_figures(public_id)
    except NotFound as exc:
        raise Http404 from exc
    response = render(
        request,
        "surveys/public_figures.html",
        {"account": config.account, "windows": [figures[d] for d in selectors.WINDOWS]},
    )
    response["Cache-Control"] = f"public, max-age={settings.SURVEYS_PUBLIC_CACHE_SECONDS}"
    response["Vary"] = "Accept-Language, Cookie"
    return response
