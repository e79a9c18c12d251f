"""The forum's writes from the public pages: ask, answer, comment, accept, vote, flag.
Plain HTML form posts (CSRF-protected), each answering with a redirect back; a signed-in
customer is required (`customer_required`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.common.errors import BlockdeskError
from blockdesk.common.ratelimit import client_ip
from blockdesk.customers.decorators import customer_required
from blockdesk.customers.models import CustomerAccount
from blockdesk.forum import selectors, services, votes
from blockdesk.forum.models import Answer, Question
from blockdesk.forum.models.posts import BODY_MAX, TITLE_MAX, Status
from blockdesk.forum.safety import reason_label
from blockdesk.forum.views import account_or_404, check_language, render_page


def _customer(request: HttpRequest) -> CustomerAccount:
    customer: CustomerAccount = request.customer  # type: ignore[attr-defined]
    return customer


def _question_or_404(request: HttpRequest, question_id: int) -> Question:
    account = account_or_404()
    q = selectors.get_question(
        account_id=account.pk, question_id=question_id, viewer=_customer(request)
    )
    if q is None:
        raise Http404
    return q


def _back(q: Question, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(
        reverse("forum:question", args=[q.category.language, q.pk]) + anchor
    )


def _held_notice(request: HttpRequest, reasons: list[str]) -> None:
    if reasons:
        messages.warning(
            request,
            _("Your post is waiting for a moderator: it %(why)s.")
            % {"why": ", ".join(str(reason_label(r)) for r in reasons)},
        )


@require_http_methods(["GET", "POST"])
@customer_required
def ask(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    check_language(language)
    account = account_or_404()
    category = selectors.get_category(account_id=account.pk, language=language, slug=slug)
    if category is None:
        raise Http404
    context: dict[str, Any] = {
        "category": category,
        "errors": {},
        "form": {},
        "title_max": TITLE_MAX,
        "body_max": BODY_MAX,
        "related_url": reverse("forum:related", args=[language]),
        "alternates": [],
    }
    if request.method == "POST":
        context["form"] = {
            k: str(request.POST.get(k, ""))[:BODY_MAX] for k in ("title", "body", "tags")
        }
        try:
            q = services.do_ask(
                author=_customer(request),
                category=category,
                title=request.POST.get("title"),
                body=request.POST.get("body"),
                tags=request.POST.get("tags", ""),
            )
        except BlockdeskError as exc:
            context["error"] = exc.message
            context["errors"] = exc.fields
            return render_page(request, "forum/ask.html", language, context, status=exc.status)
        _held_notice(request, q.hold_reasons)
        return _back(q)
    return render_page(request, "forum/ask.html", language, context)


def _fail(request: HttpRequest, exc: BlockdeskError) -> None:
    detail = " ".join(m for msgs in exc.fields.values() for m in msgs)
    messages.error(request, f"{exc.message} {detail}".strip())


@require_POST
@customer_required
def answer(request: HttpRequest, language: str, question_id: int) -> HttpResponse:
    q = _question_or_404(request, question_id)
    try:
        a = services.do_answer(question=q, body=request.POST.get("body"), author=_customer(request))
    except BlockdeskError as exc:
        _fail(request, exc)
        return _back(q, "#answer-form")
    _held_notice(request, a.hold_reasons)
    return _back(q, f"#a{a.pk}")


@require_POST
@customer_required
def comment(request: HttpRequest, language: str, question_id: int) -> HttpResponse:
    q = _question_or_404(request, question_id)
    answer_id = request.POST.get("answer")
    target = None
    if answer_id:
        target = Answer.objects.filter(
            pk=answer_id if str(answer_id).isdigit() else 0, question=q, status=Status.PUBLISHED
        ).first()
        if target is None:
            raise Http404
    try:
        c = services.do_comment(
            body=request.POST.get("body"),
            question=None if target else q,
            answer=target,
            author=_customer(request),
        )
    except BlockdeskError as exc:
        _fail(request, exc)
        return _back(q)
    _held_notice(request, c.hold_reasons)
    return _back(q, f"#a{target.pk}" if target else "")


@require_POST
@customer_required
def accept(request: HttpRequest, language: str, question_id: int, answer_id: int) -> HttpResponse:
    q = _question_or_404(request, question_id)
    a = Answer.objects.filter(pk=answer_id, question=q).first()
    if a is None:
        raise Http404
    try:
        services.do_accept(question=q, answer=a, by=_customer(request))
    except BlockdeskError as exc:
        _fail(request, exc)
    return _back(q, f"#a{a.pk}")


def _post(account_id: int, kind: str, post_id: int) -> Question | Answer:
    post: Question | Answer | None
    if kind == "q":
        post = Question.objects.filter(account_id=account_id, pk=post_id).first()
    elif kind == "a":
        post = Answer.objects.filter(account_id=account_id, pk=post_id).first()
    else:
        raise Http404
    if post is None:
        raise Http404
    return post


def _question_of(post: Question | Answer) -> Question:
    return post if isinstance(post, Question) else post.question


@require_POST
@customer_required
def vote(request: HttpRequest, kind: str, post_id: int) -> HttpResponse:
    """Form posts redirect back; `Accept: application/json` gets {"score": n}."""
    account = account_or_404()
    post = _post(account.pk, kind, post_id)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        score = votes.do_vote(
            voter=_customer(request),
            post=post,
            value=request.POST.get("value"),
            ip=client_ip(request.META),
        )
    except BlockdeskError as exc:
        if wants_json:
            return JsonResponse(exc.as_dict(), status=exc.status)
        _fail(request, exc)
        score = None
    if wants_json:
        return JsonResponse({"score": score})
    return _back(_question_of(post), f"#{kind}{post.pk}" if kind == "a" else "")


@require_POST
@customer_required
def flag(request: HttpRequest, kind: str, post_id: int) -> HttpResponse:
    account = account_or_404()
    post = _post(account.pk, kind, post_id)
    try:
        votes.do_flag(flagger=_customer(request), post=post, reason=request.POST.get("reason"))
        messages.success(request, _("Thank you. A moderator will look at it."))
    except BlockdeskError as exc:
        _fail(request, exc)
    return _back(_question_of(post))
