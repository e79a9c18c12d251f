"""Reads for the public pages and the console: published guides with their lessons in the
reader's language, upcoming and past sessions, and the guide to suggest to a new customer
(the assistant's hook: a registry the assistant can read without this app knowing it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.conversations.models import Contact
from blockdesk.education.models import Guide, Lesson, Registration, Session
from blockdesk.education.texts import pick_text
from blockdesk.kb.models import ArticleTranslation
from blockdesk.kb.selectors import pick


@dataclass(frozen=True)
class LessonView:
    lesson: Lesson
    number: int
    title: str
    translation: ArticleTranslation | None


def published_guides(*, account_id: int) -> QuerySet[Guide]:
    return Guide.objects.filter(account_id=account_id, published=True).annotate(
        lesson_count=Count("lessons")
    )


def public_guide(*, account_id: int, slug: str) -> Guide:
    found = published_guides(account_id=account_id).filter(slug=slug[:80]).first()
    if found is None:
        raise NotFound()
    return found


def lessons(guide: Guide, language: str) -> list[LessonView]:
    rows = list(Lesson.objects.filter(guide=guide).order_by("position"))
    published = ArticleTranslation.objects.filter(
        article_id__in=[row.article_id for row in rows], status=ArticleTranslation.Status.PUBLISHED
    ).select_related("article__category")
    by_article: dict[int, dict[str, ArticleTranslation]] = {}
    for tr in published:
        by_article.setdefault(tr.article_id, {})[tr.language] = tr
    views = []
    for number, row in enumerate(rows, start=1):
        chosen = pick(by_article.get(row.article_id, {}), language)
        views.append(
            LessonView(
                lesson=row, number=number, title=chosen.title if chosen else "", translation=chosen
            )
        )
    return views


def title(guide: Guide, language: str) -> str:
    return pick_text(guide.title, language) or guide.slug


def upcoming_sessions(*, account_id: int, now: dt.datetime | None = None) -> QuerySet[Session]:
    now = now or timezone.now()
    return Session.objects.filter(
        account_id=account_id, published=True, starts_at__gte=now - dt.timedelta(hours=6)
    ).order_by("starts_at")


def past_sessions(*, account_id: int, now: dt.datetime | None = None) -> QuerySet[Session]:
    now = now or timezone.now()
    return Session.objects.filter(
        account_id=account_id, published=True, starts_at__lt=now - dt.timedelta(hours=6)
    ).order_by("-starts_at")


def is_registered(session: Session, contact: Contact | None) -> bool:
    return (
        contact is not None
        and Registration.objects.filter(session=session, contact=contact).exists()
    )


def agent_guides(*, user: User) -> QuerySet[Guide]:
    return Guide.objects.filter(account_id=user.account_pk).annotate(
        lesson_count=Count("lessons", distinct=True),
        completion_count=Count("completions", distinct=True),
    )


def agent_sessions(*, user: User) -> QuerySet[Session]:
    return (
        Session.objects.filter(account_id=user.account_pk)
        .annotate(registered=Count("registrations"))
        .order_by("-starts_at")
    )


def agent_guide(*, user: User, guide_id: int) -> Guide:
    found = Guide.objects.filter(pk=guide_id, account_id=user.account_pk).first()
    if found is None:
        raise NotFound()
    return found


def suggested_guide(*, account_id: int) -> Guide | None:
    """The guide to offer a new customer: the first published one marked for them. The
    assistant (above this app) may call it when it greets a first-time customer."""
    return (
        Guide.objects.filter(account_id=account_id, published=True, for_new_customers=True)
        .order_by("position", "pk")
        .first()
    )
