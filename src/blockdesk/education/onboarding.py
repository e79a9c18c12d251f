"""Administrators' writes: welcome steps and guides (lessons from KB articles, quizzes)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import Forbidden, NotFound, ValidationFailed
from blockdesk.education.models import Guide, Lesson, WelcomeStep
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
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
    check_step(actor=actor, delay_hours=delay_hours)
    account_id = actor.account_pk
    with transaction.atomic():
        last = WelcomeStep.objects.select_for_update().filter(account_id=account_id)
        position = (last.aggregate(m=Max("position"))["m"] or 0) + 1
        step = WelcomeStep.objects.create(
            account_id=account_id,
            position=position,
            delay_hours=delay_hours,
            subject=_texts(subject, field="subject", account_id=account_id, limit=200),
            body=_texts(body, field="body", account_id=account_id, limit=MAX_TEXT),
        )
        _step_event(actor, step, "created")
        return step


def check_step(*, actor: User, delay_hours: int) -> None:
    if not actor.is_account_admin:
        raise Forbidden()
    if not 0 <= delay_hours <= 24 * 365:
        raise ValidationFailed.field("delay_hours", _("Between 0 and 8760 hours."))


def _step_event(actor: User, step: WelcomeStep, change: str) -> None:
    emit(
        account_id=step.account_id,
        name="education.welcome_step_saved",
        payload={
            "step_id": step.pk,
            "change": change,
            "position": step.position,
            "delay_hours": step.delay_hours,
        },
        actor=Actor.agent(actor.pk),
        subject=Subject("welcome_step", step.pk),
    )


def _locked_step(actor: User, step_id: int) -> WelcomeStep:
    """The account's step, locked; another account's is NotFound (404), never Forbidden."""
    step = (
        WelcomeStep.objects.select_for_update()
        .filter(pk=step_id, account_id=actor.account_pk)
        .first()
    )
    if step is None:
        raise NotFound()
    return step


def do_update_step(
    *,
    actor: User,
    step_id: int,
    delay_hours: int,
    subject: dict[str, str],
    body: dict[str, str],
    active: bool = True,
) -> WelcomeStep:
    """Changes a step's delay and texts. Customers already sent this step are not sent it
    again (the send row is per step); the others get the new text and delay."""
    check_step(actor=actor, delay_hours=delay_hours)
    with transaction.atomic():
        step = _locked_step(actor, step_id)
        step.delay_hours = delay_hours
        step.subject = _texts(subject, field="subject", account_id=step.account_id, limit=200)
        step.body = _texts(body, field="body", account_id=step.account_id, limit=MAX_TEXT)
        step.active = active
        try:
            step.full_clean(exclude=["account", "guide"])
        except ValidationError as exc:
            raise ValidationFailed.from_django(exc) from exc
        step.save()
        _step_event(actor, step, "updated")
    return step


def do_delete_step(*, actor: User, step_id: int) -> None:
    """Deletes the step and its send records: customers not yet sent it never will be."""
    if not actor.is_account_admin:
        raise Forbidden()
    with transaction.atomic():
        # Lock the sequence so a concurrent move does not see a half-deleted order.
        list(WelcomeStep.objects.select_for_update().filter(account_id=actor.account_pk))
        step = _locked_step(actor, step_id)
        emit(
            account_id=step.account_id,
            name="education.welcome_step_deleted",
            payload={"step_id": step.pk, "position": step.position},
            actor=Actor.agent(actor.pk),
            subject=Subject("welcome_step", step.pk),
        )
        step.delete()


def do_move_step(*, actor: User, step_id: int, up: bool) -> WelcomeStep:
    """Swaps the step with its neighbour; at either end it stays where it is."""
    if not actor.is_account_admin:
        raise Forbidden()
    with transaction.atomic():
        steps = list(
            WelcomeStep.objects.select_for_update()
            .filter(account_id=actor.account_pk)
            .order_by("position")
        )
        index = next((i for i, s in enumerate(steps) if s.pk == step_id), None)
        if index is None:
            raise NotFound()
        other = index - 1 if up else index + 1
        step = steps[index]
        if not 0 <= other < len(steps):
            return step
        swap_positions(WelcomeStep, step, steps[other])
        _step_event(actor, step, "moved")
    return step


def swap_positions(model: type[WelcomeStep] | type[Lesson], a: Any, b: Any) -> None:
    """Swaps two rows' positions under a unique (owner, position) constraint that is not
    deferrable: through a free position, in three updates."""
    free = (model.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    first, second = a.position, b.position
    model.objects.filter(pk=a.pk).update(position=free)
    model.objects.filter(pk=b.pk).update(position=first)
    model.objects.filter(pk=a.pk).update(position=second)
    a.position, b.position = second, first


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
