"""Announcements and the update log: one post with a version per language."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Post(models.Model):
    class Category(models.TextChoices):
        RELEASE = "release", _("Release")
        LISTING = "listing", _("Listing")
        MAINTENANCE = "maintenance", _("Maintenance")
        SECURITY = "security", _("Security notice")
        NEWS = "news", _("News")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("post status", "Draft")
        SCHEDULED = "scheduled", pgettext_lazy("post status", "Scheduled")
        PUBLISHED = "published", pgettext_lazy("post status", "Published")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(_("slug"), max_length=80)
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.RELEASE
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Scheduled: when the periodic job publishes it; published: when it went out.
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Shown as a banner in the widget and the help center until the visitor dismisses it.
    banner = models.BooleanField(_("show as a banner"), default=False)
    # Emailed to the list's subscribers when published.
    notify_subscribers = models.BooleanField(_("email subscribers"), default=True)
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "slug"], name="announcement_slug_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "scheduled", "published"]),
                name="announcement_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="scheduled") | models.Q(publish_at__isnull=False),
                name="announcement_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="announcement_published_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "status", "-published_at"]),
            models.Index(fields=["status", "publish_at"]),
        ]

    def __str__(self) -> str:
        return self.slug


class PostTranslation(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=16)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body (Markdown)"), max_length=50_000)

    class Meta:
        ordering = ["post", "language"]
        constraints = [
            models.UniqueConstraint(fields=["post", "language"], name="announcement_language_once"),
        ]

    def __str__(self) -> str:
        return self.title
