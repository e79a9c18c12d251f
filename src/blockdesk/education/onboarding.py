"""Administrators' writes: welcome steps and guides (lessons from KB articles, quizzes)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, NotFound, ValidationFailed
from blockdesk.education.models import Guide, Lesson, WelcomeStep
from blockdesk.kb.models import Article
from blockdesk.safety.fields import redact_free_text

MAX_TEXT = 5000


def _texts(values: dict[str, str], *, field: str, account_id: int, limit: int) -> dict[str, str]:
    clean = {}
    for language, text in values.items():
        text = (text or "").replace("\x00", "").strip()
        if not text:
            continue
        if len(text) > limit:
            raise ValidationFailed.field(
                field, _("At most %(limit)s characters.") % {"limit": limit}
            )
        clean[language[:16]] = redact_free_text(text, account_id=account_id)[0]
    if not clean:
        raise ValidationFailed.field(field, _("Write it in at least one language."))
    return clean


def do_add_step(
    *, actor: User, delay_hours: int, subject: dict[str, str], body: dict[str, str]
) -> WelcomeStep:
    if not actor.is_account_admin:
        raise Forbidden()
    if not 0 <= delay_hours <= 24 * 365:
        raise ValidationFailed.field("delay_hours", _("Between 0 and 8760 hours."))
    account_id = actor.account_pk
    with transaction.atomic():
        last = WelcomeStep.objects.select_for_update().filter(account_id=account_id)
        position = (last.aggregate(m=Max("position"))["m"] or 0) + 1
        return WelcomeStep.objects.create(
            account_id=account_id,
            position=position,
            delay_hours=delay_hours,
            subject=_texts(subject, field="subject", account_id=account_id, limit=200),
            body=_texts(body, field="body", account_id=account_id, limit=MAX_TEXT),
        )


def check_quiz(quiz: object) -> list[dict[str, object]]:
    """A quiz is a list of questions, each with choices per language and the index of
    the right one; anything else is refused before it is stored."""
    if not isinstance(quiz, list) or len(quiz) > 10:
        raise ValidationFailed.field("quiz", _("At most 10 questions."))
    for question in quiz:
        if not isinstance(question, dict) or not isinstance(question.get("choices"), dict):
            raise ValidationFailed.field("quiz", _("Each question needs its choices."))
        answer = question.get("answer")
        for options in question["choices"].values():
            if not isinstance(options, list) or not 2 <= len(options) <= 6:
                raise ValidationFailed.field("quiz", _("Two to six choices per question."))
            if not isinstance(answer, int) or not 0 <= answer < len(options):
                raise ValidationFailed.field(
                    "quiz", _("The right answer must be one of the choices.")
                )
    return quiz


def do_save_guide(
    *,
    account_id: int,
    slug: str,
    title: dict[str, str],
    summary: dict[str, str],
    lessons: list[tuple[str, list[dict[str, object]]]],
    badge_key: str = "",
    for_new_customers: bool = False,
    published: bool = True,
) -> Guide:
    """Creates or replaces a guide: `lessons` are (KB article key, quiz) in order. Used by
    the demo data and the REST API (administrators' tokens)."""
    with transaction.atomic():
        guide, _created = Guide.objects.update_or_create(
            account_id=account_id,
            slug=slug,
            defaults={
                "title": _texts(title, field="title", account_id=account_id, limit=200),
                "summary": summary,
                "badge_key": badge_key,
                "for_new_customers": for_new_customers,
                "published": published,
            },
        )
        Lesson.objects.filter(guide=guide).delete()
        for position, (key, quiz) in enumerate(lessons, start=1):
            article = Article.objects.filter(account_id=account_id, key=key).first()
            if article is None:
                raise NotFound(_("No article %(key)s.") % {"key": key})
            Lesson.objects.create(
                guide=guide, position=position, article=article, quiz=check_quiz(quiz)
            )
    return guide
