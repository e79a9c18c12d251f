"""Administrators' console pages at /app/education/: the guide editor (guide, lessons,
quizzes) and editing, deleting and reordering the welcome steps. Server-rendered forms:
a refused form is shown again with its errors (422), or the error as JSON
(`{"error": {"code", "message", "fields"}}`) when the caller asks for JSON. Another
account's guide, lesson or step is a 404 (the services' NotFound, turned into Http404 by
`admin_required`)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.common.errors import ValidationFailed
from blockdesk.education import guide_admin, onboarding, selectors
from blockdesk.education.models import Guide, Lesson, WelcomeStep
from blockdesk.education.texts import pick_text
from blockdesk.kb.selectors import default_language, kb_languages, language_name
from blockdesk.workspace.http import (
    action_result,
    admin_required,
    current_agent,
    error_json,
    wants_json,
)

QUIZ_SLOTS = 3


def _int(value: str | None, field: str) -> int:
    try:
        return int(value or "")
    except ValueError as exc:
        raise ValidationFailed.field(field, _("A number.")) from exc


def _languages() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in kb_languages()]


def _refused(
    request: HttpRequest, exc: ValidationFailed, template: str, context: dict[str, Any]
) -> HttpResponse:
    if wants_json(request):
        return error_json(exc)
    context["error"] = exc
    return render(request, template, context, status=exc.status)


# --- guides ------------------------------------------------------------------------


def _guide_form(guide: Guide | None, data: Any = None) -> dict[str, Any]:
    if data is not None:
        return {
            "title": data.get("title", ""),
            "language": data.get("language", ""),
            "slug": data.get("slug", ""),
            "summary": data.get("summary", ""),
            "published": data.get("published") == "on",
        }
    if guide is None:
        return {"title": "", "language": default_language(), "slug": "", "summary": ""}
    language = guide.language or default_language()
    return {
        "title": pick_text(guide.title, language),
        "language": language,
        "slug": guide.slug,
        "summary": pick_text(guide.summary, language),
        "published": guide.published,
    }


def _guide_context(request: HttpRequest, guide: Guide | None, **extra: Any) -> dict[str, Any]:
    user = current_agent(request)
    context: dict[str, Any] = {
        "section": "education",
        "guide": guide,
        "form": _guide_form(guide),
        "languages": _languages(),
        "slots": _quiz_slots(None, ""),
    }
    if guide is not None:
        language = guide.language or default_language()
        context["lessons"] = selectors.lessons(guide, language)
        context["articles"] = guide_admin.lesson_choices(
            account_id=user.account_pk, language=language
        )
    context.update(extra)
    return context


def _save_guide(request: HttpRequest, guide_id: int | None) -> Guide:
    return guide_admin.do_save_guide(
        actor=current_agent(request),
        guide_id=guide_id,
        title=request.POST.get("title", ""),
        language=request.POST.get("language", ""),
        slug=request.POST.get("slug", ""),
        summary=request.POST.get("summary", ""),
        published=request.POST.get("published") == "on",
    )


def _guide_page(request: HttpRequest, guide: Guide | None) -> HttpResponse:
    """The guide form: a new guide (None) or an existing one, shown or saved."""
    template = "education/console/guide_edit.html"
    if request.method == "POST":
        try:
            saved = _save_guide(request, guide.pk if guide else None)
        except ValidationFailed as exc:
            context = _guide_context(request, guide, form=_guide_form(guide, request.POST))
            return _refused(request, exc, template, context)
        return action_result(
            request,
            redirect_to=reverse("education:guide_edit", args=[saved.pk]),
            data={"id": saved.pk},
            success=_("Guide saved."),
        )
    return render(request, template, _guide_context(request, guide))


@admin_required
@require_http_methods(["GET", "POST"])
def guide_new(request: HttpRequest) -> HttpResponse:
    return _guide_page(request, None)


@admin_required
@require_http_methods(["GET", "POST"])
def guide_edit(request: HttpRequest, guide_id: int) -> HttpResponse:
    return _guide_page(
        request, selectors.agent_guide(user=current_agent(request), guide_id=guide_id)
    )


@admin_required
@require_POST
def guide_delete(request: HttpRequest, guide_id: int) -> HttpResponse:
    guide_admin.do_delete_guide(actor=current_agent(request), guide_id=guide_id)
    return action_result(
        request, redirect_to=reverse("education:index"), success=_("Guide deleted.")
    )


# --- lessons -----------------------------------------------------------------------


def _quiz_slots(lesson: Lesson | None, language: str, data: Any = None) -> list[dict[str, Any]]:
    """The quiz form's rows: QUIZ_SLOTS questions of five choices, filled from the posted
    form, else the lesson's quiz in the guide's language."""
    slots = []
    quiz = list(lesson.quiz or []) if lesson is not None else []
    for n in range(QUIZ_SLOTS):
        if data is not None:
            text = data.get(f"q{n}_text", "")
            choices = [data.get(f"q{n}_choice{m}", "") for m in range(guide_admin.MAX_CHOICES)]
            correct = data.get(f"q{n}_correct", "")
        elif n < len(quiz) and isinstance(quiz[n], dict):
            question = quiz[n]
            text = pick_text(question.get("question"), language)
            options = question.get("choices") or {}
            shown: list[object] = options.get(language) or next(iter(options.values()), [])
            choices = [str(c) for c in shown][: guide_admin.MAX_CHOICES]
            choices += [""] * (guide_admin.MAX_CHOICES - len(choices))
            correct = str(question.get("answer", ""))
        else:
            text, choices, correct = "", [""] * guide_admin.MAX_CHOICES, ""
        slots.append(
            {
                "n": n,
                "text": text,
                "choices": [(m, c, str(m) == correct) for m, c in enumerate(choices)],
            }
        )
    return slots


def _save_lesson(request: HttpRequest, guide_id: int, lesson_id: int | None) -> Lesson:
    return guide_admin.do_save_lesson(
        actor=current_agent(request),
        guide_id=guide_id,
        lesson_id=lesson_id,
        article_id=_int(request.POST.get("article"), "article"),
        questions=guide_admin.questions_from_form(request.POST, slots=QUIZ_SLOTS),
    )


@admin_required
@require_POST
def lesson_new(request: HttpRequest, guide_id: int) -> HttpResponse:
    guide = selectors.agent_guide(user=current_agent(request), guide_id=guide_id)
    try:
        lesson = _save_lesson(request, guide_id, None)
    except ValidationFailed as exc:
        context = _guide_context(
            request,
            guide,
            slots=_quiz_slots(None, "", request.POST),
            chosen_article=request.POST.get("article", ""),
        )
        return _refused(request, exc, "education/console/guide_edit.html", context)
    return action_result(
        request,
        redirect_to=reverse("education:guide_edit", args=[guide_id]),
        data={"id": lesson.pk},
        success=_("Lesson added."),
    )


@admin_required
@require_http_methods(["GET", "POST"])
def lesson_edit(request: HttpRequest, guide_id: int, lesson_id: int) -> HttpResponse:
    user = current_agent(request)
    guide = selectors.agent_guide(user=user, guide_id=guide_id)
    lesson = Lesson.objects.filter(pk=lesson_id, guide=guide).first()
    if lesson is None:
        raise Http404()
    language = guide.language or default_language()
    context: dict[str, Any] = {
        "section": "education",
        "guide": guide,
        "lesson": lesson,
        "articles": guide_admin.lesson_choices(account_id=user.account_pk, language=language),
        "chosen_article": str(lesson.article_id),
        "slots": _quiz_slots(lesson, language),
    }
    template = "education/console/lesson_edit.html"
    if request.method == "POST":
        try:
            _save_lesson(request, guide_id, lesson_id)
        except ValidationFailed as exc:
            context["slots"] = _quiz_slots(None, "", request.POST)
            context["chosen_article"] = request.POST.get("article", "")
            return _refused(request, exc, template, context)
        return action_result(
            request,
            redirect_to=reverse("education:guide_edit", args=[guide_id]),
            success=_("Lesson saved."),
        )
    return render(request, template, context)


@admin_required
@require_POST
def lesson_delete(request: HttpRequest, guide_id: int, lesson_id: int) -> HttpResponse:
    guide_admin.do_remove_lesson(
        actor=current_agent(request), guide_id=guide_id, lesson_id=lesson_id
    )
    return action_result(
        request,
        redirect_to=reverse("education:guide_edit", args=[guide_id]),
        success=_("Lesson removed."),
    )


@admin_required
@require_POST
def lesson_move(request: HttpRequest, guide_id: int, lesson_id: int) -> HttpResponse:
    guide_admin.do_move_lesson(
        actor=current_agent(request),
        guide_id=guide_id,
        lesson_id=lesson_id,
        up=request.POST.get("direction") == "up",
    )
    return HttpResponseRedirect(reverse("education:guide_edit", args=[guide_id]))


# --- welcome steps -----------------------------------------------------------------


def _step_texts(data: Any, name: str) -> dict[str, str]:
    return {code: data.get(f"{name}__{code}", "") for code in kb_languages()}


@admin_required
@require_http_methods(["GET", "POST"])
def step_edit(request: HttpRequest, step_id: int) -> HttpResponse:
    user = current_agent(request)
    step = WelcomeStep.objects.filter(pk=step_id, account_id=user.account_pk).first()
    if step is None:
        raise Http404()
    source: Any = request.POST if request.method == "POST" else None
    rows = [
        {
            "code": code,
            "name": name,
            "subject": source.get(f"subject__{code}", "") if source else step.subject.get(code, ""),
            "body": source.get(f"body__{code}", "") if source else step.body.get(code, ""),
        }
        for code, name in _languages()
    ]
    context: dict[str, Any] = {
        "section": "education",
        "step": step,
        "rows": rows,
        "delay": source.get("delay_hours", "") if source else step.delay_hours,
        "active": (source.get("active") == "on") if source else step.active,
    }
    template = "education/console/step_edit.html"
    if request.method == "POST":
        try:
            onboarding.do_update_step(
                actor=user,
                step_id=step_id,
                delay_hours=_int(request.POST.get("delay_hours"), "delay_hours"),
                subject=_step_texts(request.POST, "subject"),
                body=_step_texts(request.POST, "body"),
                active=request.POST.get("active") == "on",
            )
        except ValidationFailed as exc:
            return _refused(request, exc, template, context)
        return action_result(request, redirect_to=reverse("education:index"), success=_("Saved."))
    return render(request, template, context)


@admin_required
@require_POST
def step_delete(request: HttpRequest, step_id: int) -> HttpResponse:
    onboarding.do_delete_step(actor=current_agent(request), step_id=step_id)
    return action_result(
        request, redirect_to=reverse("education:index"), success=_("Welcome email deleted.")
    )


@admin_required
@require_POST
def step_move(request: HttpRequest, step_id: int) -> HttpResponse:
    onboarding.do_move_step(
        actor=current_agent(request), step_id=step_id, up=request.POST.get("direction") == "up"
    )
    return HttpResponseRedirect(reverse("education:index"))
