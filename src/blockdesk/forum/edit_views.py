"""Editing posts and their revision history, from the public pages. The editor is the
signed-in member, or an agent of the account (logged into the console). Plain HTML forms,
CSRF-protected; the revisions page is shown to whoever may see the post itself."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from blockdesk.common.errors import BlockdeskError
from blockdesk.customers.decorators import sign_in_url
from blockdesk.customers.selectors import signed_in_customer
from blockdesk.forum import edits, selectors
from blockdesk.forum.models import Comment, Question
from blockdesk.forum.models.posts import BODY_MAX, COMMENT_MAX, TITLE_MAX
from blockdesk.forum.post_views import _held_notice
from blockdesk.forum.views import account_or_404, check_language, render_page


def _is_agent(request: HttpRequest, account_id: int) -> bool:
    user = request.user
    return bool(getattr(user, "is_authenticated", False)) and (
        getattr(user, "account_pk", None) == account_id
    )


def _post_or_404(request: HttpRequest, kind: str, post_id: int) -> tuple[edits.Editable, bool, Any]:
    account = account_or_404()
    staff = _is_agent(request, account.pk)
    viewer = signed_in_customer(request)
    post = selectors.get_post(
        account_id=account.pk, kind=kind, post_id=post_id, viewer=viewer, staff=staff
    )
    if post is None:
        raise Http404
    return post, staff, viewer


def _post_url(post: edits.Editable) -> str:
    question = edits.question_of(post)
    url = reverse("forum:question", args=[question.category.language, question.pk])
    if isinstance(post, Comment):
        return url + (f"#a{post.answer_id}" if post.answer_id else "")
    return url + ("" if isinstance(post, Question) else f"#a{post.pk}")


def _form(post: edits.Editable, data: Any = None) -> dict[str, str]:
    if data is not None:
        return {k: str(data.get(k, ""))[:BODY_MAX] for k in ("title", "body", "tags")}
    return {
        "title": post.title if isinstance(post, Question) else "",
        "body": post.body,
        "tags": " ".join(t.name for t in post.tags.all()) if isinstance(post, Question) else "",
    }


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, language: str, kind: str, post_id: int) -> HttpResponse:
    check_language(language)
    post, staff, viewer = _post_or_404(request, kind, post_id)
    if not staff and viewer is None:
        return HttpResponseRedirect(sign_in_url(request.get_full_path()))
    editor = edits.Editor(agent=request.user) if staff else edits.Editor(member=viewer)  # type: ignore[arg-type]
    context: dict[str, Any] = {
        "post": post,
        "kind": kind,
        "is_question": isinstance(post, Question),
        "question": edits.question_of(post),
        "form": _form(post),
        "errors": {},
        "title_max": TITLE_MAX,
        "body_max": COMMENT_MAX if isinstance(post, Comment) else BODY_MAX,
        "alternates": [],
    }
    try:
        edits.check_can_edit(post=post, editor=editor)
    except BlockdeskError as exc:
        if exc.status == 404:
            raise Http404 from exc
        context["denied"] = exc.message
        return render_page(request, "forum/edit.html", language, context, status=exc.status)
    if request.method == "POST":
        context["form"] = _form(post, request.POST)
        try:
            revision = edits.do_edit(
                post=post,
                editor=editor,
                body=request.POST.get("body"),
                title=request.POST.get("title"),
                tags=request.POST.get("tags", ""),
            )
        except BlockdeskError as exc:
            if exc.status == 404:
                raise Http404 from exc
            context["error"] = exc.message
            context["errors"] = exc.fields
            return render_page(request, "forum/edit.html", language, context, status=exc.status)
        if revision is not None:
            _held_notice(request, post.hold_reasons if post.status == "held" else [])
            if post.status != "held":
                messages.success(request, _("Your edit is saved."))
        return HttpResponseRedirect(_post_url(post))
    return render_page(request, "forum/edit.html", language, context)


@require_GET
def revisions(request: HttpRequest, language: str, kind: str, post_id: int) -> HttpResponse:
    check_language(language)
    post, _staff, _viewer = _post_or_404(request, kind, post_id)
    return render_page(
        request,
        "forum/revisions.html",
        language,
        {
            "post": post,
            "kind": kind,
            "question": edits.question_of(post),
            "post_url": _post_url(post),
            "revisions": selectors.post_revisions(post=post),
            "alternates": [],
        },
    )
