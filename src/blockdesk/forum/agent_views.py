"""The console side of the forum (/app/community/): the moderation queue, official answers,
and turning a question into a conversation or an answer into a KB draft."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts.models import User
from blockdesk.common.errors import BlockdeskError
from blockdesk.conversations.services import require_agent
from blockdesk.forum import agent_services, selectors, services
from blockdesk.forum.models import Answer, Comment, Question
from blockdesk.forum.safety import reason_label


def _agent(request: HttpRequest) -> User:
    return require_agent(request.user)


def _question(agent: User, question_id: int) -> Question:
    q = (
        Question.objects.filter(account_id=agent.account_pk, pk=question_id)
        .select_related("category", "author__contact")
        .first()
    )
    if q is None:
        raise Http404
    return q


def _public_url(q: Question) -> str:
    return reverse("forum:question", args=[q.category.language, q.pk])


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    held = selectors.moderation_queue(account_id=agent.account_pk)
    for rows in held.values():
        for post in rows:
            post.reason_labels = [reason_label(r) for r in post.hold_reasons]  # type: ignore[union-attr]
    return render(request, "forum/agent_queue.html", {"held": held})


@login_required
@require_POST
def moderate(request: HttpRequest, kind: str, post_id: int) -> HttpResponse:
    agent = _agent(request)
    post: Question | Answer | Comment | None
    if kind == "q":
        post = Question.objects.filter(account_id=agent.account_pk, pk=post_id).first()
    elif kind == "a":
        post = Answer.objects.filter(account_id=agent.account_pk, pk=post_id).first()
    elif kind == "c":
        post = Comment.objects.filter(account_id=agent.account_pk, pk=post_id).first()
    else:
        raise Http404
    if post is None:
        raise Http404
    try:
        services.do_moderate(actor=agent, post=post, status=str(request.POST.get("status")))
    except BlockdeskError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("forum_agent:queue"))


@login_required
@require_POST
def official_answer(request: HttpRequest, question_id: int) -> HttpResponse:
    agent = _agent(request)
    q = _question(agent, question_id)
    try:
        a = services.do_answer(question=q, body=request.POST.get("body"), agent=agent)
    except BlockdeskError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_public_url(q) + "#answer-form")
    return HttpResponseRedirect(_public_url(q) + f"#a{a.pk}")


@login_required
@require_POST
def open_conversation(request: HttpRequest, question_id: int) -> HttpResponse:
    agent = _agent(request)
    q = _question(agent, question_id)
    try:
        conversation = agent_services.do_open_conversation(agent=agent, question=q)
    except BlockdeskError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_public_url(q))
    return HttpResponseRedirect(reverse("workspace:conversation", args=[conversation.display_id]))


@login_required
@require_POST
def draft_article(request: HttpRequest, answer_id: int) -> HttpResponse:
    agent = _agent(request)
    a = (
        Answer.objects.filter(account_id=agent.account_pk, pk=answer_id)
        .select_related("question__category", "author")
        .first()
    )
    if a is None:
        raise Http404
    try:
        tr = agent_services.do_draft_article(agent=agent, answer=a)
    except BlockdeskError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_public_url(a.question))
    messages.success(request, _("A draft article was created."))
    return HttpResponseRedirect(reverse("kb_agent:article", args=[tr.article_id]))
