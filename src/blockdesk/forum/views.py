"""The public forum at /community/: server-rendered, usable without JavaScript, canonical
and hreflang links like the help center. Reads only; the writes are post_views.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET

from blockdesk.accounts.models import Account
from blockdesk.common.errors import RateLimited
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.customers.selectors import signed_in_customer
from blockdesk.forum import edits, levels, selectors
from blockdesk.forum.models import Category
from blockdesk.kb import selectors as kb_selectors

SEARCH_RATE = 60  # searches per client address per minute


def account_or_404(request: HttpRequest | None = None) -> Account:
    """The forum's account; kept on the request so a page reads it once (the view and
    `render_page` both need it: at the issue's size every query counts)."""
    account: Account | None = getattr(request, "_forum_account", None)
    if account is None:
        account = selectors.forum_account()
    if account is None:
        raise Http404
    if request is not None:
        request._forum_account = account  # type: ignore[attr-defined]
    return account


def check_language(language: str) -> None:
    if language not in selectors.languages():
        raise Http404


def absolute(path: str) -> str:
    return kb_selectors.absolute(path)


def alternates(name: str, *args: Any) -> list[tuple[str, str]]:
    return [
        (kb_selectors.hreflang(code), absolute(reverse(name, args=[code, *args])))
        for code in selectors.languages()
    ]


def render_page(
    request: HttpRequest, template: str, language: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    ui = {code for code, _n in settings.LANGUAGES}
    account = account_or_404(request)
    base = {
        "account": account,
        "language": language,
        "hreflang": kb_selectors.hreflang(language),
        "customer": signed_in_customer(request),
        "forum_languages": [
            (code, kb_selectors.language_name(code), reverse("forum:home", args=[code]))
            for code in selectors.languages()
        ],
        "search_url": reverse("forum:search", args=[language]),
        **context,
    }
    with translation.override(language if language in ui else settings.LANGUAGE_CODE):
        response = render(request, template, base, status=status)
    if base["customer"] is not None:
        response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(reverse("forum:home", args=[selectors.languages()[0]]))


@require_GET
def home(request: HttpRequest, language: str) -> HttpResponse:
    check_language(language)
    account = account_or_404(request)
    cats = selectors.categories(account_id=account.pk, language=language)
    recent = selectors.recent_questions(account_id=account.pk, language=language)
    return render_page(
        request,
        "forum/home.html",
        language,
        {
            "categories": cats,
            "recent": list(recent),
            "canonical": absolute(reverse("forum:home", args=[language])),
            "alternates": alternates("forum:home"),
        },
    )


def _category(account: Account, language: str, slug: str) -> Category:
    category = selectors.get_category(account_id=account.pk, language=language, slug=slug)
    if category is None:
        raise Http404
    return category


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 1000))
    except ValueError:
        return 1


@require_GET
def category(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    check_language(language)
    account = account_or_404(request)
    cat = _category(account, language, slug)
    sort = request.GET.get("sort", "active")
    sort = sort if sort in ("active", "votes", "new") else "active"
    page = _page_number(request)
    unanswered = request.GET.get("unanswered") == "1"
    rows = selectors.category_questions(category=cat, sort=sort, page=page, unanswered=unanswered)
    path = reverse("forum:category", args=[language, cat.slug])
    return render_page(
        request,
        "forum/category.html",
        language,
        {
            "category": cat,
            "questions": rows[: selectors.PAGE_SIZE],
            "has_next": len(rows) > selectors.PAGE_SIZE,
            "page": page,
            "sort": sort,
            "unanswered": unanswered,
            "canonical": absolute(path + (f"?page={page}" if page > 1 else "")),
            "alternates": [(kb_selectors.hreflang(language), absolute(path))],
            "feed_url": reverse("forum:feed_atom", args=[language, cat.slug]),
            "rss_url": reverse("forum:feed_rss", args=[language, cat.slug]),
        },
    )


@require_GET
def question(request: HttpRequest, language: str, question_id: int) -> HttpResponse:
    check_language(language)
    account = account_or_404(request)
    viewer = signed_in_customer(request)
    q = selectors.get_question(account_id=account.pk, question_id=question_id, viewer=viewer)
    if q is None:
        raise Http404
    if q.category.language != language:
        return HttpResponseRedirect(reverse("forum:question", args=[q.category.language, q.pk]))
    level = 0
    if viewer is not None:
        stats = selectors.member_stats(member=viewer)
        level = stats.trust_level if stats else 0
    path = reverse("forum:question", args=[language, q.pk])
    page = _page_number(request)
    answers, total = selectors.answer_page(question=q, viewer=viewer, page=page)
    comments = selectors.question_comments(question=q, viewer=viewer)
    mine = selectors.my_votes(viewer=viewer, question=q, answers=answers)
    q.my_vote = mine.get("q", 0)  # type: ignore[attr-defined]
    is_agent = bool(getattr(request.user, "is_authenticated", False)) and (
        getattr(request.user, "account_pk", None) == account.pk
    )
    posts: list[edits.Editable] = [q, *comments]
    for a in answers:
        a.my_vote = mine.get(f"a{a.pk}", 0)  # type: ignore[attr-defined]
        posts += [a, *a.comments.all()]
    for post in posts:
        post.can_edit = edits.may_edit(  # type: ignore[union-attr]
            post=post, member=viewer, level=level, staff=is_agent
        )
    return render_page(
        request,
        "forum/question.html",
        language,
        {
            "question": q,
            "answers": answers,
            "answer_total": total,
            "page": page,
            "has_next": page * selectors.ANSWER_PAGE_SIZE < total,
            "comments": comments,
            "level": level,
            "can_vote": level >= levels.Level.BASIC,
            "can_downvote": level >= levels.Level.MEMBER,
            "is_asker": viewer is not None and q.author_id == viewer.pk,
            "canonical": absolute(path + (f"?page={page}" if page > 1 else "")),
            "alternates": [(kb_selectors.hreflang(language), absolute(path))],
            "is_agent": is_agent,
        },
    )


@require_GET
def tag(request: HttpRequest, language: str, name: str) -> HttpResponse:
    check_language(language)
    account = account_or_404(request)
    rows = selectors.tag_questions(account_id=account.pk, language=language, name=name)
    return render_page(
        request,
        "forum/tag.html",
        language,
        {
            "tag": name,
            "questions": rows,
            "canonical": absolute(reverse("forum:tag", args=[language, name])),
            # A tag's questions differ per language: only this version.
            "alternates": [
                (
                    kb_selectors.hreflang(language),
                    absolute(reverse("forum:tag", args=[language, name])),
                )
            ],
        },
    )


@require_GET
def leaderboard(request: HttpRequest, language: str) -> HttpResponse:
    check_language(language)
    account = account_or_404(request)
    period = request.GET.get("period", "week")
    period = period if period in selectors.PERIODS else "week"
    cats = selectors.categories(account_id=account.pk, language=language)
    chosen = next((c for c in cats if c.slug == request.GET.get("category")), None)
    ranked = selectors.leaderboard(
        account_id=account.pk, period=period, category_id=chosen.pk if chosen else None
    )
    return render_page(
        request,
        "forum/leaderboard.html",
        language,
        {
            "ranked": ranked,
            "period": period,
            "periods": [("week", "week"), ("month", "month"), ("all", "all")],
            "categories": cats,
            "chosen": chosen,
            "canonical": absolute(reverse("forum:leaderboard", args=[language])),
            "alternates": alternates("forum:leaderboard"),
        },
    )


@require_GET
def member(request: HttpRequest, language: str, member_id: int) -> HttpResponse:
    check_language(language)
    account = account_or_404(request)
    person = selectors.member_profile(account_id=account.pk, member_id=member_id)
    if person is None:
        raise Http404
    stats = selectors.member_stats(member=person)
    badges = [
        levels.BADGES[c] for c in selectors.member_badges(member=person) if c in levels.BADGES
    ]
    return render_page(
        request,
        "forum/member.html",
        language,
        {
            "person": person,
            "stats": stats,
            "level_name": levels.level_name(stats.trust_level if stats else 0),
            "badges": badges,
            "answers": selectors.member_recent_answers(member=person),
            "canonical": absolute(reverse("forum:member", args=[language, person.pk])),
            "alternates": alternates("forum:member", person.pk),
        },
    )


def _limited(request: HttpRequest) -> RateLimited | None:
    try:
        check_rate_limit(
            scope="forum-search", key=client_ip(request.META), limit=SEARCH_RATE, window=60
        )
    except RateLimited as exc:
        return exc
    return None


@require_GET
def search(request: HttpRequest, language: str) -> HttpResponse:
    """One query, both sources: help-center articles (the KB's ranked search) and answered
    community questions."""
    check_language(language)
    account = account_or_404(request)
    query = request.GET.get("q", "").strip()[:200]
    context: dict[str, Any] = {"query": query, "articles": [], "questions": [], "alternates": []}
    if query:
        limited = _limited(request)
        if limited is not None:
            context["error"] = limited.message
            return render_page(request, "forum/search.html", language, context, status=429)
        context["articles"] = kb_selectors.search_help_center(
            account_id=account.pk, query=query, language=language, limit=10
        )
        context["questions"] = selectors.search_questions(
            account_id=account.pk, query=query, answered_only=True, limit=10
        )
    return render_page(request, "forum/search.html", language, context)


@require_GET
def related(request: HttpRequest, language: str) -> JsonResponse:
    """Questions like the title being typed (the ask form's "already asked?" list)."""
    check_language(language)
    account = account_or_404(request)
    query = request.GET.get("q", "").strip()[:200]
    if len(query) < 4:
        return JsonResponse({"results": []})
    limited = _limited(request)
    if limited is not None:
        return JsonResponse(limited.as_dict(), status=429)
    rows = selectors.search_questions(account_id=account.pk, query=query, limit=6)
    return JsonResponse(
        {
            "results": [
                {
                    "title": q.title,
                    "url": reverse("forum:question", args=[q.category.language, q.pk]),
                    "answers": q.answer_count,
                    "accepted": q.accepted_answer_id is not None,
                }
                for q in rows
            ]
        }
    )
