"""A published announcement is emailed to the list's confirmed subscribers.

Transactional consumer (docs/events.md): it only writes the mailing row (and queues its
first batch task on commit), so each publication starts exactly one mailing even when the
event is replayed (`notifications.subscriptions.do_start_mailing` is keyed by the post)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from blockdesk.announcements import selectors, services
from blockdesk.announcements.models import Post
from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event
from blockdesk.kb.selectors import kb_languages
from blockdesk.notifications.subscriptions import do_start_mailing

CONSUMER = "announcements.emails"


def render_email(post: Post, language: str) -> dict[str, str] | None:
    found = selectors.shown(post, language)
    if found is None:
        return None
    url = services.public_url(post, language)
    with translation.override(language):
        context = {"post": found, "url": url, "category": post.get_category_display()}
        return {
            "subject": f"[{post.get_category_display()}] {found.title}"[:200],
            "text": render_to_string("announcements/email.txt", context),
            "html": render_to_string("announcements/email.html", context),
        }


def on_published(event: Event) -> None:
    post = (
        Post.objects.filter(
            pk=event.payload.get("post_id"),
            account_id=event.account_id,
            status=Post.Status.PUBLISHED,
        )
        .prefetch_related("translations")
        .first()
    )
    if post is None or not post.notify_subscribers:
        return
    content = {
        language: rendered
        for language in kb_languages()
        if (rendered := render_email(post, language)) is not None
    }
    do_start_mailing(
        account_id=post.account_id,
        list_name=services.LIST_NAME,
        key=f"post:{post.pk}",
        content=content,
    )


register_consumer(
    CONSUMER, on_published, event_names=["announcement.published"], mode="transactional"
)
