"""REST: the update log. Reads are public (published posts only); writes need an
administrator's session or a token with `announcements:write` (acting as the administrator
who created the token). Mounted by the API root."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from blockdesk.accounts.models import ApiToken, User
from blockdesk.announcements import selectors, services
from blockdesk.announcements.models import Post
from blockdesk.api.auth import principal
from blockdesk.api.schemas import ERRORS, WRITE_ERRORS, BodyIn, Moment, PathId
from blockdesk.common.errors import Forbidden, NotFound
from blockdesk.kb.selectors import help_center_account, kb_languages

router = Router(tags=["announcements"])
SCOPE = ApiToken.Scope.ANNOUNCEMENTS_WRITE.value
Category = Literal["release", "listing", "maintenance", "security", "news"]


class PostOut(Schema):
    id: int
    slug: str
    category: str
    status: str
    published_at: dt.datetime | None
    language: str
    title: str
    summary: str
    html: str
    url: str


class VersionBody(Schema):
    title: str = Field("", max_length=200)
    summary: str = Field("", max_length=300)
    body: str = Field("", max_length=services.MAX_BODY)


class PostIn(BodyIn):
    category: Category = "release"
    slug: str = Field("", max_length=80)
    banner: bool = False
    notify_subscribers: bool = True
    versions: dict[str, VersionBody] = Field(..., max_length=10)


class PublishIn(BodyIn):
    at: Moment | None = None


def _out(post: Post, language: str) -> dict[str, Any]:
    shown = selectors.shown(post, language)
    return {
        "id": post.pk,
        "slug": post.slug,
        "category": post.category,
        "status": post.status,
        "published_at": post.published_at,
        "language": shown.language if shown else "",
        "title": shown.title if shown else "",
        "summary": shown.summary if shown else "",
        "html": shown.html if shown else "",
        "url": services.public_url(post, language),
    }


def writer(request: HttpRequest) -> User:
    p = principal(request)
    p.require(SCOPE)
    user = p.user if p.user is not None else (p.token.created_by if p.token else None)
    if user is None or user.account_id != p.account_id or not user.is_account_admin:
        raise Forbidden()
    return user


@router.get("/announcements", auth=None, response={200: list[PostOut], **ERRORS})
def list_posts(
    request: HttpRequest, language: str = "en", category: Category | None = None
) -> list[dict[str, Any]]:
    """Published posts, newest first, in `language` (each falls back to another)."""
    account = help_center_account()
    if account is None:
        raise NotFound()
    if language not in kb_languages():
        language = kb_languages()[0]  # any string may arrive; a URL needs a known language
    posts = selectors.published(account_id=account.pk, category=category)[: selectors.PAGE_SIZE]
    return [_out(p, language) for p in posts]


@router.post("/announcements", response={201: PostOut, **WRITE_ERRORS})
def create_post(request: HttpRequest, payload: PostIn) -> tuple[int, dict[str, Any]]:
    """A draft post; publish it with `POST /announcements/{id}/publish`."""
    user = writer(request)
    post = services.do_save_post(
        actor=user,
        category=payload.category,
        slug=payload.slug,
        banner=payload.banner,
        notify_subscribers=payload.notify_subscribers,
        versions={k: v.model_dump() for k, v in payload.versions.items()},  # type: ignore[misc]
    )
    return 201, _out(post, "en")


@router.post("/announcements/{post_id}/publish", response={200: PostOut, **WRITE_ERRORS})
def publish_post(request: HttpRequest, post_id: PathId, payload: PublishIn) -> dict[str, Any]:
    """Now, or at `at` (scheduled)."""
    user = writer(request)
    post = selectors.console_post(user=user, post_id=post_id)
    if post is None:
        raise NotFound()
    post = services.do_publish_post(actor=user, post=post, at=payload.at)
    return _out(post, "en")
