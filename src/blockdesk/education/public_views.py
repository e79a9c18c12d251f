"""Public pages at /learn/: guides and their lessons (with the quiz form), sessions and
webinars (register, calendar file, recording), and the welcome emails' unsubscribe page.
Server-rendered, no JavaScript, indexable; limited per client address."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blockdesk.accounts.models import Account
from blockdesk.common.errors import BlockdeskError, NotFound
from blockdesk.common.language_links import query_links, with_query_language
from blockdesk.common.ratelimit import public_page_limit
from blockdesk.customers.decorators import sign_in_url, to_sign_in
from blockdesk.customers.selectors import signed_in_contact
from blockdesk.education import guides, selectors, sessions, welcome
from blockdesk.kb.selectors import help_center_account


def _account() -> Account:
    account = help_center_account()
    if account is None:
        raise Http404
    return account


def _limited(request: HttpRequest) -> HttpResponse | None:
    return public_page_limit(
        request, scope="education-public", limit=settings.EDUCATION_PUBLIC_RATE_LIMIT
    )


def _error(exc: BlockdeskError) -> HttpResponse:
    response = HttpResponse(exc.message, status=exc.status, content_type="text/plain")
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    base = {
        **query_links(request),
        "sign_in": sign_in_url(request.get_full_path()),
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
    language = _language()
    contact = signed_in_contact(request, account_id=account.pk)
    rows = [
        {
            "guide": g,
            "title": selectors.title(g, language),
            "summary": guides.pick_summary(g, language),
            "done": guides.completed(contact, g),
        }
        for g in selectors.published_guides(account_id=account.pk)
    ]
    return _page(
        request,
        "education/index.html",
        {
            "account": account,
            "guides": rows,
            "upcoming": selectors.upcoming_sessions(account_id=account.pk)[:20],
            "past": selectors.past_sessions(account_id=account.pk)[:20],
        },
    )


@with_query_language
@require_GET
def guide(request: HttpRequest, slug: str) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    account = _account()
    language = _language()
    try:
        row = selectors.public_guide(account_id=account.pk, slug=slug)
    except NotFound as exc:
        raise Http404 from exc
    contact = signed_in_contact(request, account_id=account.pk)
    return _page(
        request,
        "education/guide.html",
        {
            "account": account,
            "guide": row,
            "title": selectors.title(row, language),
            "summary": guides.pick_summary(row, language),
            "lessons": selectors.lessons(row, language),
            "passed": guides.passed_lessons(contact, row),
            "done": guides.completed(contact, row),
            "customer": contact,
        },
    )


@with_query_language
@require_http_methods(["GET", "POST"])
def lesson(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    account = _account()
    language = _language()
    try:
        row = selectors.public_guide(account_id=account.pk, slug=slug)
    except NotFound as exc:
        raise Http404 from exc
    views = selectors.lessons(row, language)
    if not 1 <= number <= len(views):
        raise Http404
    current = views[number - 1]
    contact = signed_in_contact(request, account_id=account.pk)
    result: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if contact is None:
            return to_sign_in(request.path)
        answers = {k: str(request.POST.get(k, "")) for k in request.POST if k.startswith("q")}
        try:
            passed, wrong, completion = guides.do_submit_quiz(
                contact=contact, lesson_id=current.lesson.pk, answers=answers
            )
        except NotFound as exc:
            raise Http404 from exc
        except BlockdeskError as exc:
            return _error(exc)
        result = {"passed": passed, "wrong": wrong, "completed": completion is not None}
        status = 200 if passed else 422
    return _page(
        request,
        "education/lesson.html",
        {
            "account": account,
            "guide": row,
            "guide_title": selectors.title(row, language),
            "current": current,
            "questions": guides.questions_for_page(current.lesson, language),
            "previous": number - 1 if number > 1 else None,
            "next": number + 1 if number < len(views) else None,
            "customer": contact,
            "passed_before": current.lesson.pk in guides.passed_lessons(contact, row),
            "result": result,
        },
        status=status,
    )


@with_query_language
@require_GET
def session(request: HttpRequest, session_id: int) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    account = _account()
    try:
        row = sessions.public_session(account_id=account.pk, session_id=session_id)
    except NotFound as exc:
        raise Http404 from exc
    contact = signed_in_contact(request, account_id=account.pk)
    now = timezone.now()
    return _page(
        request,
        "education/session.html",
        {
            "account": account,
            "session": row,
            "ends_at": sessions.ends_at(row),
            "over": sessions.ends_at(row) <= now,
            "customer": contact,
            "registered": selectors.is_registered(row, contact),
        },
    )


@require_POST
def register(request: HttpRequest, session_id: int) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    account = _account()
    contact = signed_in_contact(request, account_id=account.pk)
    if contact is None:
        return to_sign_in(reverse("education_public:session", args=[session_id]))
    try:
        row = sessions.public_session(account_id=account.pk, session_id=session_id)
        if request.POST.get("action") == "cancel":
            sessions.do_unregister(session=row, contact=contact)
        else:
            sessions.do_register(session=row, contact=contact)
    except NotFound as exc:
        raise Http404 from exc
    except BlockdeskError as exc:
        return _error(exc)
    return HttpResponseRedirect(reverse("education_public:session", args=[session_id]))


@require_GET
def session_ics(request: HttpRequest, session_id: int) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    account = _account()
    try:
        row = sessions.public_session(account_id=account.pk, session_id=session_id)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(sessions.ics(row), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{row.pk}.ics"'
    return response


# One-click unsubscribe (RFC 8058): mail providers POST without a CSRF token; the signed
# token in the address is the authorisation, and unsubscribing is all it can do.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    done = False
    if request.method == "POST":
        try:
            welcome.do_unsubscribe(token=token)
        except NotFound as exc:
            raise Http404 from exc
        done = True
    response = render(request, "education/unsubscribe.html", {"done": done, "token": token})
    response["Cache-Control"] = "no-store"
    return response
