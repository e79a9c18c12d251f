"""Writes of announcements: save a post with its language versions, publish now or at a
time, withdraw. Publishing emits `announcement.published` in the same transaction; the
event consumer (event_consumers.py) starts the subscribers' mailing from it and the
webhooks app delivers it to the account's signed webhooks."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.announcements.event_types import Published
from blockdesk.announcements.models import Post, PostTranslation
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.kb.markdown import external_images
from blockdesk.kb.selectors import kb_languages
from blockdesk.safety.fields import check_no_secret

LIST_NAME = "announcements"
MAX_BODY = 50_000


class VersionIn(TypedDict, total=False):
    title: str
    summary: str
    body: str


def check_can_write(*, actor: User) -> None:
    if not actor.is_active or not actor.is_account_admin:
        raise Forbidden(_("Only administrators can write announcements."))


def _check_versions(versions: dict[str, VersionIn], *, account_id: int) -> dict[str, VersionIn]:
    languages = set(kb_languages())
    clean: dict[str, VersionIn] = {}
    for language, version in versions.items():
        if language not in languages:
            raise ValidationFailed.field("language", _("Unsupported language."))
        title = (version.get("title") or "").strip()
        body = (version.get("body") or "").strip()
        summary = (version.get("summary") or "").strip()
        if not title and not body:
            continue  # an empty language tab: no version in that language
        if not title or not body:
            raise ValidationFailed.field(
                f"{language}.title" if not title else f"{language}.body",
                _("A language version needs a title and a body."),
            )
        if len(title) > 200 or len(summary) > 300 or len(body) > MAX_BODY:
            raise ValidationFailed.field(f"{language}.body", _("This text is too long."))
        if external_images(body):
            raise ValidationFailed.field(
                f"{language}.body", _("Images must be uploaded to the knowledge base.")
            )
        for field, text in (("title", title), ("summary", summary), ("body", body)):
            check_no_secret(text, field=f"{language}.{field}", account_id=account_id)
        clean[language] = {"title": title, "summary": summary, "body": body}
    if not clean:
        raise ValidationFailed.field("title", _("Write the post in at least one language."))
    return clean


def do_save_post(
    *,
    actor: User,
    post: Post | None = None,
    category: str,
    versions: dict[str, VersionIn],
    slug: str = "",
    banner: bool = False,
    notify_subscribers: bool = True,
) -> Post:
    check_can_write(actor=actor)
    assert actor.account_id is not None
    if post is not None and post.account_id != actor.account_id:
        raise Forbidden()
    clean = _check_versions(versions, account_id=actor.account_id)
    first = clean.get(settings.LANGUAGE_CODE) or next(iter(clean.values()))
    slug = slugify(slug or (post.slug if post else "") or first.get("title", ""))[:80]
    slug = slug or f"post-{int(timezone.now().timestamp())}"
    with transaction.atomic():
        if post is None:
            post = Post(account_id=actor.account_id, created_by=actor)
        post.slug = slug
        post.category = category
        post.banner = banner
        post.notify_subscribers = notify_subscribers
        taken = Post.objects.filter(account_id=actor.account_id, slug=slug).exclude(pk=post.pk)
        if taken.exists():
            raise ValidationFailed.field("slug", _("Another post uses this address."))
        post.full_clean()
        post.save()
        post.translations.exclude(language__in=list(clean)).delete()
        for language, version in clean.items():
            PostTranslation.objects.update_or_create(
                post=post, language=language, defaults=dict(version)
            )
    return post


def public_url(post: Post, language: str | None = None) -> str:
    language = language or kb_languages()[0]
    return settings.PUBLIC_URL + reverse("announcements:post", args=[language, post.slug])


def _publish(post: Post, *, now: dt.datetime, actor: Actor) -> None:
    post.status = Post.Status.PUBLISHED
    post.published_at = now
    post.publish_at = None
    post.full_clean()
    post.save(update_fields=["status", "published_at", "publish_at", "updated_at"])
    titles = {t.language: t.title for t in post.translations.all()}
    emit(
        account_id=post.account_id,
        name="announcement.published",
        payload=Published(
            post_id=post.pk,
            slug=post.slug,
            category=post.category,
            published_at=now.isoformat(),
            titles=titles,
            url=public_url(post),
        ),
        actor=actor,
        subject=Subject("announcement", post.pk),
    )


def do_publish_post(
    *, actor: User, post: Post, at: dt.datetime | None = None, now: dt.datetime | None = None
) -> Post:
    """Now (`at` None or past) or scheduled for `at`. Publishing twice is refused."""
    check_can_write(actor=actor)
    if post.account_id != actor.account_id:
        raise Forbidden()
    now = now or timezone.now()
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        if post.status == Post.Status.PUBLISHED:
            raise ValidationFailed.field("status", _("This post is already published."))
        if not post.translations.exists():
            raise ValidationFailed.field("title", _("Write the post in at least one language."))
        if at is not None and at > now:
            post.status = Post.Status.SCHEDULED
            post.publish_at = at
            post.full_clean()
            post.save(update_fields=["status", "publish_at", "updated_at"])
        else:
            _publish(post, now=now, actor=Actor.agent(actor.pk))
    return post


def do_withdraw_post(*, actor: User, post: Post) -> Post:
    """Back to draft: off the public log, the feeds and the banners (emails already sent
    stay sent)."""
    check_can_write(actor=actor)
    if post.account_id != actor.account_id:
        raise Forbidden()
    with transaction.atomic():
        post.status = Post.Status.DRAFT
        post.publish_at = None
        post.published_at = None
        post.save(update_fields=["status", "publish_at", "published_at", "updated_at"])
    return post


def do_publish_due_posts(*, now: dt.datetime | None = None) -> int:
    """Periodic job: scheduled posts whose time has come. Row locks make overlaps harmless."""
    now = now or timezone.now()
    count = 0
    ids = list(
        Post.objects.filter(status=Post.Status.SCHEDULED, publish_at__lte=now).values_list(
            "pk", flat=True
        )[:50]
    )
    for pk in ids:
        with transaction.atomic():
            post = (
                Post.objects.select_for_update()
                .filter(pk=pk, status=Post.Status.SCHEDULED, publish_at__lte=now)
                .first()
            )
            if post is not None:
                _publish(post, now=now, actor=Actor.system())
                count += 1
    return count
