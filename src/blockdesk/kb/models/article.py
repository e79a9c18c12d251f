"""Knowledge-base articles. An Article is the language-independent identity (its `key`
is the front-matter `id`); each language is an ArticleTranslation with its own slug,
status, review date and revision history."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

KEY_RE = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
key_validator = RegexValidator(
    KEY_RE, _("Use lowercase letters, digits and single hyphens (e.g. deposit-not-arrived).")
)


class Category(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="kb_categories"
    )
    key = models.CharField(_("key"), max_length=60, validators=[key_validator])
    order = models.PositiveIntegerField(_("order"), default=1)
    # {language: text}; a missing language falls back like articles do.
    names = models.JSONField(default=dict)
    descriptions = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="kb_category_unique_key")
        ]

    def __str__(self) -> str:
        return self.key


class Article(models.Model):
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="kb_articles"
    )
    key = models.CharField(_("identifier"), max_length=80, validators=[key_validator])
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    # Ordered article keys, as in front matter; unknown keys are skipped when shown.
    related_keys = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category__order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="kb_article_unique_key")
        ]

    def __str__(self) -> str:
        return self.key


class ArticleTranslation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    # Denormalised from the article so that slugs can be unique per account and language.
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=16)
    slug = models.CharField(_("slug"), max_length=120, validators=[key_validator])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    # Sanitised HTML rendered from `body` on every save, so pages never render Markdown.
    body_html = models.TextField(blank=True, editable=False)
    example_questions = models.JSONField(default=list, blank=True)
    last_reviewed = models.DateField(_("last reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    editor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    helpful_count = models.PositiveIntegerField(default=0)
    not_helpful_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["article__category__order", "article__key", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language"], name="kb_translation_unique_language"
            ),
            models.UniqueConstraint(
                fields=["account", "language", "slug"], name="kb_translation_unique_slug"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="kb_translation_status"
            ),
        ]
        indexes = [models.Index(fields=["account", "language", "status"])]

    def __str__(self) -> str:
        return f"{self.article.key} [{self.language}]"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class ArticleRevision(models.Model):
    """A snapshot of a translation's content, written on every content change."""

    translation = models.ForeignKey(
        ArticleTranslation, on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True)
    example_questions = models.JSONField(default=list, blank=True)
    editor = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["translation", "number"], name="kb_revision_unique_number"
            )
        ]


class SlugRedirect(models.Model):
    """A slug a translation used to have; old links answer with a permanent redirect."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=16)
    old_slug = models.CharField(max_length=120)
    translation = models.ForeignKey(
        ArticleTranslation, on_delete=models.CASCADE, related_name="old_slugs"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "language", "old_slug"], name="kb_slug_redirect_unique"
            )
        ]
