"""Categories (per language), questions, answers, comments and tags.

A post's author is a customer account or, for official answers, an agent. Bodies are
stored as typed (secrets already redacted) and rendered to sanitised HTML once, on save.
A post the safety checks hold is `held` until a moderator publishes or removes it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 150
BODY_MAX = 20_000
COMMENT_MAX = 600


class Status(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HELD = "held", _("Held for moderation")
    REMOVED = "removed", _("Removed")


class Category(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=16)
    slug = models.SlugField(max_length=60, allow_unicode=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "language", "slug"], name="forum_category_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    name = models.SlugField(max_length=30, allow_unicode=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "name"], name="forum_tag_unique")]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        "customers.CustomerAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Set for staff posts: an agent writing as the business (shown as official, verified).
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(max_length=BODY_MAX)
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PUBLISHED)
    # Why the safety checks held it (kinds only: "lookalike_link", "poses_as_support", …).
    hold_reasons = models.JSONField(default=list, blank=True)
    score = models.IntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_official(self) -> bool:
        return self.agent_id is not None


class Question(Post):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="questions")
    title = models.CharField(max_length=TITLE_MAX)
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    answer_count = models.PositiveIntegerField(default=0)
    accepted_answer = models.ForeignKey(
        "forum.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_activity_at = models.DateTimeField(auto_now_add=True)
    # A support conversation an agent opened from this question.
    conversation_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(author__isnull=False) | Q(agent__isnull=False),
                name="forum_question_has_author",
            )
        ]
        indexes = [
            # The category page in each sort. The id (the tie-break of every sort) is in
            # each index so a page's ids come from the index alone, however deep the page:
            # page 200 read and joined 6,000 rows (75 ms) without it, 1 ms with it.
            models.Index(
                fields=["category", "status", "-last_activity_at", "-id"], name="forum_q_cat_active"
            ),
            models.Index(fields=["category", "status", "-score", "-id"], name="forum_q_cat_votes"),
            models.Index(
                fields=["category", "status", "-created_at", "-id"], name="forum_q_cat_new"
            ),
            models.Index(fields=["account", "status", "-last_activity_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class Answer(Post):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(author__isnull=False) | Q(agent__isnull=False),
                name="forum_answer_has_author",
            )
        ]
        indexes = [
            models.Index(fields=["question", "status", "-score", "created_at"]),
            # A member's recent answers (the member page).
            models.Index(fields=["author", "status", "-created_at"], name="forum_answer_member"),
        ]


class Comment(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        Question, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        "customers.CustomerAccount",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.CharField(max_length=COMMENT_MAX)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PUBLISHED)
    hold_reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(question__isnull=False) & Q(answer__isnull=True))
                | (Q(question__isnull=True) & Q(answer__isnull=False)),
                name="forum_comment_one_target",
            )
        ]
