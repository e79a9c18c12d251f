"""The console's guide editor (administrators): a guide's title, language, address, summary
and state; its lessons (each a KB article of the same account with a published translation
in the guide's language, plus a short quiz), added, changed, removed and reordered; and
deleting a guide.

Every write checks the actor is an administrator of the account (Forbidden), finds the
guide or lesson in the actor's account only (another account's is NotFound), validates
(`check_*`, `full_clean()`), and records `education.guide_saved` / `education.guide_deleted`
in the same transaction.

Deleting a guide deletes its lessons, the customers' progress and completions with it:
progress rows point at lessons that no longer exist and have no meaning without them, and
the forum keeps the badges it already awarded in its own table. To take a guide off
`/learn/` without losing progress, unpublish it (draft) instead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, NotFound, ValidationFailed
from blockdesk.education.models import Guide, GuideCompletion, Lesson, LessonProgress
from blockdesk.education.onboarding import swap_positions
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.kb.models import Article, ArticleTranslation
from blockdesk.kb.selectors import default_language, kb_languages
from blockdesk.safety.fields import redact_free_text

MAX_QUESTIONS = 5
MIN_CHOICES, MAX_CHOICES = 2, 5
MAX_LESSONS = 30


@dataclass(frozen=True)
class QuestionIn:
    """One question as the form sends it: its text, its choices (blank ones included, in
    the form's order) and the index of the one marked right (None: none marked)."""

    text: str
    choices: list[str]
    correct: int | None


def _admin(actor: User) -> None:
    if not actor.is_account_admin:
        raise Forbidden()


def _clean(text: str, *, account_id: int, field: str, limit: int, required: bool) -> str:
    text = (text or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationFailed.field(field, _("This field is required."))
    if len(text) > limit:
        raise ValidationFailed.field(field, _("At most %(limit)s characters.") % {"limit": limit})
    return redact_free_text(text, account_id=account_id)[0] if text else ""


def check_language(language: str) -> str:
    if language not in kb_languages():
        raise ValidationFailed.field("language", _("Pick one of the help center's languages."))
    return language


def check_questions(questions: list[QuestionIn], *, language: str) -> list[dict[str, object]]:
    """The form's questions as the stored quiz. Fully blank questions are dropped; each
    other one needs its text, 2–5 choices and exactly one right choice among them. Errors
    name the question: `quiz.<n>.choices`, `quiz.<n>.correct`."""
    quiz: list[dict[str, object]] = []
    kept = [q for q in questions if q.text.strip() or any(c.strip() for c in q.choices)]
    if not kept:
        raise ValidationFailed.field("quiz", _("Write at least one question."))
    if len(kept) > MAX_QUESTIONS:
        raise ValidationFailed.field(
            "quiz", _("At most %(count)s questions.") % {"count": MAX_QUESTIONS}
        )
    for number, question in enumerate(kept):
        label = number + 1
        if not question.text.strip():
            raise ValidationFailed.field(
                f"quiz.{number}.question",
                _("Question %(n)s: write the question.") % {"n": label},
            )
        filled = [(i, c.strip()) for i, c in enumerate(question.choices) if c.strip()]
        if not MIN_CHOICES <= len(filled) <= MAX_CHOICES:
            raise ValidationFailed.field(
                f"quiz.{number}.choices",
                _("Question %(n)s: give 2 to 5 choices.") % {"n": label},
            )
        right = [place for place, (i, _c) in enumerate(filled) if i == question.correct]
        if len(right) != 1:
            raise ValidationFailed.field(
                f"quiz.{number}.correct",
                _("Question %(n)s: mark exactly one filled-in choice as the right one.")
                % {"n": label},
            )
        if any(len(c) > 300 for _i, c in filled) or len(question.text) > 500:
            raise ValidationFailed.field(
                f"quiz.{number}.question", _("Question %(n)s is too long.") % {"n": label}
            )
        quiz.append(
            {
                "question": {language: question.text.strip()},
                "choices": {language: [c for _i, c in filled]},
                "answer": right[0],
            }
        )
    return quiz


def check_article(*, account_id: int, article_id: int, language: str) -> Article:
    """The article of this account with a published translation in the guide's language;
    another account's article, or one not in that language, is a field error."""
    article = Article.objects.filter(pk=article_id, account_id=account_id).first()
    if article is None:
        raise ValidationFailed.field("article", _("Pick an article of this help center."))
    in_language = ArticleTranslation.objects.filter(
        article=article, language=language, status=ArticleTranslation.Status.PUBLISHED
    ).exists()
    if not in_language:
        raise ValidationFailed.field(
            "article", _("This article has no published version in the guide's language.")
        )
    return article


def _event(actor: User, guide: Guide, change: str) -> None:
    emit(
        account_id=guide.account_id,
        name="education.guide_saved",
        payload={
            "guide_id": guide.pk,
            "guide_slug": guide.slug,
            "change": change,
            "published": guide.published,
            "lesson_count": Lesson.objects.filter(guide=guide).count(),
        },
        actor=Actor.agent(actor.pk),
        subject=Subject("guide", guide.pk),
    )


def _locked_guide(actor: User, guide_id: int) -> Guide:
    guide = (
        Guide.objects.select_for_update().filter(pk=guide_id, account_id=actor.account_pk).first()
    )
    if guide is None:
        raise NotFound()
    return guide


def do_save_guide(
    *,
    actor: User,
    guide_id: int | None = None,
    title: str,
    language: str,
    slug: str,
    summary: str,
    published: bool,
) -> Guide:
    """Creates (guide_id None) or changes a guide. The title and summary are stored under
    the guide's language; texts in other languages (guides written in code) are kept."""
    _admin(actor)
    account_id = actor.account_pk
    language = check_language(language)
    title = _clean(title, account_id=account_id, field="title", limit=200, required=True)
    summary = _clean(summary, account_id=account_id, field="summary", limit=1000, required=False)
    slug = (slug or "").strip().lower()
    with transaction.atomic():
        if guide_id is None:
            last = Guide.objects.filter(account_id=account_id).aggregate(m=Max("position"))["m"]
            guide = Guide(account_id=account_id, position=(last or 0) + 1)
        else:
            guide = _locked_guide(actor, guide_id)
        if Guide.objects.filter(account_id=account_id, slug=slug).exclude(pk=guide.pk).exists():
            raise ValidationFailed.field("slug", _("Another guide already uses this address."))
        changes_language = bool(guide.pk and guide.language and guide.language != language)
        if changes_language and Lesson.objects.filter(guide=guide).exists():
            raise ValidationFailed.field(
                "language", _("Remove the lessons before changing the guide's language.")
            )
        guide.slug = slug
        guide.language = language
        guide.title = {**(guide.title or {}), language: title}
        summaries = {k: v for k, v in (guide.summary or {}).items() if k != language}
        guide.summary = {**summaries, language: summary} if summary else summaries
        guide.published = published
        try:
            guide.full_clean(exclude=["account"], validate_unique=False)
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        created = guide.pk is None
        guide.save()
        _event(actor, guide, "created" if created else "updated")
    return guide


def do_delete_guide(*, actor: User, guide_id: int) -> None:
    """Deletes the guide with its lessons, progress and completions (the module's
    docstring says why); the forum's badges already awarded stay."""
    _admin(actor)
    with transaction.atomic():
        guide = _locked_guide(actor, guide_id)
        emit(
            account_id=guide.account_id,
            name="education.guide_deleted",
            payload={
                "guide_id": guide.pk,
                "guide_slug": guide.slug,
                "completions_deleted": GuideCompletion.objects.filter(guide=guide).count(),
                "progress_deleted": LessonProgress.objects.filter(lesson__guide=guide).count(),
            },
            actor=Actor.agent(actor.pk),
            subject=Subject("guide", guide.pk),
        )
        guide.delete()


def do_save_lesson(
    *,
    actor: User,
    guide_id: int,
    lesson_id: int | None = None,
    article_id: int,
    questions: list[QuestionIn],
) -> Lesson:
    """Adds a lesson at the end (lesson_id None) or changes one: its article and quiz.
    A changed quiz keeps the customers' passes (they passed the lesson, not a version)."""
    _admin(actor)
    with transaction.atomic():
        guide = _locked_guide(actor, guide_id)
        language = guide.language or default_language()
        article = check_article(
            account_id=guide.account_id, article_id=article_id, language=language
        )
        quiz = check_questions(questions, language=language)
        if lesson_id is None:
            if Lesson.objects.filter(guide=guide).count() >= MAX_LESSONS:
                raise ValidationFailed.field(
                    "article", _("At most %(count)s lessons.") % {"count": MAX_LESSONS}
                )
            last = Lesson.objects.filter(guide=guide).aggregate(m=Max("position"))["m"]
            lesson = Lesson(guide=guide, position=(last or 0) + 1)
        else:
            found = Lesson.objects.filter(pk=lesson_id, guide=guide).first()
            if found is None:
                raise NotFound()
            lesson = found
        if Lesson.objects.filter(guide=guide, article=article).exclude(pk=lesson.pk).exists():
            raise ValidationFailed.field("article", _("This article is already a lesson here."))
        lesson.article = article
        lesson.quiz = quiz
        try:
            lesson.full_clean(exclude=["guide"], validate_unique=False)
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        created = lesson.pk is None
        lesson.save()
        _event(actor, guide, "lesson_added" if created else "lesson_updated")
    return lesson


def do_remove_lesson(*, actor: User, guide_id: int, lesson_id: int) -> None:
    """Removes the lesson and its progress; the later lessons move up one place."""
    _admin(actor)
    with transaction.atomic():
        guide = _locked_guide(actor, guide_id)
        lesson = Lesson.objects.filter(pk=lesson_id, guide=guide).first()
        if lesson is None:
            raise NotFound()
        lesson.delete()
        # Renumber in order: positions are unique per guide and only ever go down here.
        for number, row in enumerate(Lesson.objects.filter(guide=guide).order_by("position"), 1):
            if row.position != number:
                Lesson.objects.filter(pk=row.pk).update(position=number)
        _event(actor, guide, "lesson_removed")


def do_move_lesson(*, actor: User, guide_id: int, lesson_id: int, up: bool) -> None:
    _admin(actor)
    with transaction.atomic():
        guide = _locked_guide(actor, guide_id)
        rows = list(Lesson.objects.filter(guide=guide).order_by("position"))
        index = next((i for i, row in enumerate(rows) if row.pk == lesson_id), None)
        if index is None:
            raise NotFound()
        other = index - 1 if up else index + 1
        if not 0 <= other < len(rows):
            return
        swap_positions(Lesson, rows[index], rows[other])
        _event(actor, guide, "lessons_reordered")


def questions_from_form(data: Mapping[str, str], *, slots: int) -> list[QuestionIn]:
    """The quiz fields of the lesson form: q<n>_text, q<n>_choice<m>, q<n>_correct."""
    questions = []
    for n in range(slots):
        correct = data.get(f"q{n}_correct", "")
        questions.append(
            QuestionIn(
                text=data.get(f"q{n}_text", ""),
                choices=[data.get(f"q{n}_choice{m}", "") for m in range(MAX_CHOICES)],
                correct=int(correct) if correct.isdigit() else None,
            )
        )
    return questions


def lesson_choices(*, account_id: int, language: str) -> list[tuple[int, str]]:
    """The articles a lesson may use: (id, title in the guide's language)."""
    rows = ArticleTranslation.objects.filter(
        account_id=account_id,
        language=language,
        status=ArticleTranslation.Status.PUBLISHED,
        article__account_id=account_id,
    ).order_by("title")
    return [(row.article_id, row.title) for row in rows]
