"""Guides: a customer's progress through the lessons, the quiz of each lesson checked on
the server (the answers never reach the page; a tampered form — an unknown question, an
index out of range, a missing answer — is a failed attempt, never a pass), and the guide's
completion with its badge.

The badge counts in the forum: completion emits `education.guide_completed`, and any app
may register a completion hook from its ready() (`register_completion_hook`), called
inside the completing transaction. The forum awards its badge through either."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit
from blockdesk.conversations.models import Contact
from blockdesk.education.models import Guide, GuideCompletion, Lesson, LessonProgress
from blockdesk.education.texts import pick_text
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit

CompletionHook = Callable[[GuideCompletion], object]
_completion_hooks: list[CompletionHook] = []
MAX_ATTEMPTS_PER_HOUR = 20


def register_completion_hook(hook: CompletionHook) -> None:
    if hook not in _completion_hooks:
        _completion_hooks.append(hook)


def quiz_questions(lesson: Lesson) -> list[dict[str, object]]:
    return [q for q in (lesson.quiz or []) if isinstance(q, dict)]


def check_answers(lesson: Lesson, answers: Mapping[str, str]) -> list[int]:
    """The numbers (0-based) of the questions answered wrongly; [] is a pass."""
    wrong: list[int] = []
    for number, question in enumerate(quiz_questions(lesson)):
        given = answers.get(f"q{number}", "")
        try:
            choice = int(given)
        except (TypeError, ValueError):
            choice = -1
        if choice != question.get("answer"):
            wrong.append(number)
    return wrong


def do_submit_quiz(
    *, contact: Contact, lesson_id: int, answers: Mapping[str, str]
) -> tuple[bool, list[int], GuideCompletion | None]:
    """(passed, wrong question numbers, the completion if this pass finished the guide)."""
    check_rate_limit(
        scope="education-quiz",
        key=f"{contact.pk}:{lesson_id}",
        limit=MAX_ATTEMPTS_PER_HOUR,
        window=3600,
    )
    lesson = (
        Lesson.objects.select_related("guide")
        .filter(pk=lesson_id, guide__account_id=contact.account_id, guide__published=True)
        .first()
    )
    if lesson is None:
        raise NotFound()
    if len(answers) > 50:
        raise ValidationFailed.field("answers", _("Too many answers."))
    wrong = check_answers(lesson, answers)
    with transaction.atomic():
        progress, _created = LessonProgress.objects.select_for_update().get_or_create(
            contact=contact, lesson=lesson
        )
        progress.attempts += 1
        if not wrong and progress.passed_at is None:
            progress.passed_at = timezone.now()
        progress.save(update_fields=["attempts", "passed_at"])
        completion = _complete_if_done(contact, lesson.guide) if not wrong else None
    return not wrong, wrong, completion


def _complete_if_done(contact: Contact, guide: Guide) -> GuideCompletion | None:
    lessons = Lesson.objects.filter(guide=guide)
    passed = LessonProgress.objects.filter(
        contact=contact, lesson__guide=guide, passed_at__isnull=False
    ).count()
    if passed < lessons.count():
        return None
    if GuideCompletion.objects.filter(contact=contact, guide=guide).exists():
        return None
    try:
        with transaction.atomic():
            completion = GuideCompletion.objects.create(contact=contact, guide=guide)
    except IntegrityError:  # two passes at once: the first completes
        return None
    emit(
        account_id=guide.account_id,
        name="education.guide_completed",
        payload={
            "guide_id": guide.pk,
            "guide_slug": guide.slug,
            "contact_id": contact.pk,
            "badge_key": guide.badge_key,
        },
        actor=Actor.contact(contact.pk),
        subject=Subject("guide", guide.pk),
    )
    for hook in _completion_hooks:
        hook(completion)
    return completion


def passed_lessons(contact: Contact | None, guide: Guide) -> set[int]:
    if contact is None:
        return set()
    return set(
        LessonProgress.objects.filter(
            contact=contact, lesson__guide=guide, passed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )


def completed(contact: Contact | None, guide: Guide) -> bool:
    return (
        contact is not None
        and GuideCompletion.objects.filter(contact=contact, guide=guide).exists()
    )


def badges_of(contact: Contact) -> list[str]:
    """The badge keys this customer earned here (for the forum's profile until it keeps
    its own)."""
    return [
        key
        for key in GuideCompletion.objects.filter(contact=contact)
        .exclude(guide__badge_key="")
        .values_list("guide__badge_key", flat=True)
    ]


def language_of(contact: Contact | None) -> str:
    return (contact.locale if contact else "") or settings.LANGUAGE_CODE


def pick_summary(guide: Guide, language: str) -> str:
    return pick_text(guide.summary, language)


def questions_for_page(lesson: Lesson, language: str) -> list[dict[str, object]]:
    """Questions and choices only: the answer index stays on the server."""
    shown: list[dict[str, object]] = []
    for number, question in enumerate(quiz_questions(lesson)):
        choices = question.get("choices")
        options = choices.get(language) or choices.get("en") if isinstance(choices, dict) else None
        if not isinstance(options, list):
            options = next(iter(choices.values()), []) if isinstance(choices, dict) else []
        shown.append(
            {
                "name": f"q{number}",
                "text": pick_text(question.get("question"), language),
                "choices": [(i, str(c)) for i, c in enumerate(options)],
            }
        )
    return shown
