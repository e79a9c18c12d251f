"""Reads of announcements: the public log (published only), one post in the visitor's
language with fallback, the current banner, and the console's list (scoped to the agent's
account)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from blockdesk.accounts.models import User
from blockdesk.announcements.models import Post, PostTranslation
from blockdesk.kb.markdown import render_markdown
from blockdesk.kb.selectors import fallback_chain

PAGE_SIZE = 20
BANNER_DAYS = 30


@dataclass(frozen=True)
class ShownPost:
    post: Post
    language: str  # the version shown (may differ from the one asked: fallback)
    title: str
    summary: str
    body: str

    @property
    def html(self) -> str:
        return render_markdown(self.body, title=self.title)


def _versions() -> Any:
    return Prefetch("translations", queryset=PostTranslation.objects.order_by("language"))


def published(*, account_id: int, category: str | None = None) -> QuerySet[Post]:
    posts = Post.objects.filter(account_id=account_id, status=Post.Status.PUBLISHED)
    if category:
        posts = posts.filter(category=category)
    return posts.order_by("-published_at", "-id").prefetch_related(_versions())


def shown(post: Post, language: str) -> ShownPost | None:
    versions = {t.language: t for t in post.translations.all()}
    for code in [*fallback_chain(language), *versions]:
        version = versions.get(code)
        if version is not None:
            return ShownPost(post, code, version.title, version.summary, version.body)
    return None


def page(
    *, account_id: int, language: str, category: str | None, before: int = 0
) -> list[ShownPost]:
    posts = published(account_id=account_id, category=category)
    if before:
        posts = posts.filter(pk__lt=before)
    return [s for s in (shown(p, language) for p in posts[:PAGE_SIZE]) if s is not None]


def public_post(*, account_id: int, slug: str, language: str) -> ShownPost | None:
    post = published(account_id=account_id).filter(slug=slug).first()
    return shown(post, language) if post else None


def banner(*, account_id: int, language: str, now: dt.datetime | None = None) -> ShownPost | None:
    """The newest published banner post of the last BANNER_DAYS days."""
    since = (now or timezone.now()) - dt.timedelta(days=BANNER_DAYS)
    post = published(account_id=account_id).filter(banner=True, published_at__gte=since).first()
    return shown(post, language) if post else None


def recent(*, account_id: int, language: str, limit: int = 3) -> list[ShownPost]:
    posts = published(account_id=account_id)[:limit]
    return [s for s in (shown(p, language) for p in posts) if s is not None]


def console_posts(*, user: User) -> QuerySet[Post]:
    assert user.account_id is not None
    return (
        Post.objects.filter(account_id=user.account_id)
        .order_by("-updated_at", "-id")
        .prefetch_related(_versions())
    )


def console_post(*, user: User, post_id: int) -> Post | None:
    return console_posts(user=user).filter(pk=post_id).first()


def default_language() -> str:
    return settings.LANGUAGE_CODE
