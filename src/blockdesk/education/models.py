"""Onboarding and education: welcome email sequences, guides (ordered lessons built from
KB articles, each with a short quiz) with each customer's progress and completion, and
scheduled online sessions (webinars) with registrations and reminders.

Texts an administrator writes in several languages are JSON objects keyed by language
code ({"en": "...", "zh-hans": "..."}); the customer gets their own, else the default."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WelcomeStep(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("order"))
    delay_hours = models.PositiveIntegerField(
        _("hours after sign-up"), validators=[MaxValueValidator(24 * 365)]
    )
    subject = models.JSONField(_("subject per language"), default=dict)
    body = models.JSONField(_("text per language"), default=dict)
    guide = models.ForeignKey(
        "education.Guide", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "position"], name="welcome_step_position"),
        ]
        ordering = ["position"]


class WelcomeEnrollment(models.Model):
    """A new customer entered the sequence (from the contact.created event)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.OneToOneField(
        "conversations.Contact", on_delete=models.CASCADE, related_name="+"
    )
    started_at = models.DateTimeField()
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # The sequence is over once every step was sent or skipped.
    finished = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["finished", "started_at"])]


class WelcomeSend(models.Model):
    """One step for one customer: unique, so a second pass or a retried task sends once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Failed")

    enrollment = models.ForeignKey(
        WelcomeEnrollment, on_delete=models.CASCADE, related_name="sends"
    )
    step = models.ForeignKey(WelcomeStep, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "step"], name="welcome_send_once"),
        ]


class Guide(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(_("address"), max_length=80)
    # The language the console's editor writes it in; its lessons' articles must have a
    # published translation in it. '' for guides written in code with several languages.
    language = models.CharField(_("language"), max_length=16, blank=True, default="")
    title = models.JSONField(_("title per language"), default=dict)
    summary = models.JSONField(_("summary per language"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    published = models.BooleanField(_("published"), default=False)
    # The badge the forum shows for finishing it (its key in the forum's badge list).
    badge_key = models.SlugField(max_length=60, blank=True)
    # Suggested to new customers (the assistant's hook, selectors.suggested_guide).
    for_new_customers = models.BooleanField(_("suggest to new customers"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "slug"], name="guide_slug_unique"),
        ]
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.slug


class Lesson(models.Model):
    """One KB article as a step of a guide, with its quiz:
    [{"question": {lang: text}, "choices": {lang: [text, ...]}, "answer": index}, ...].
    The answers never leave the server: pages render questions and choices only."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="lessons")
    position = models.PositiveSmallIntegerField()
    article = models.ForeignKey("kb.Article", on_delete=models.PROTECT, related_name="+")
    quiz = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guide", "position"], name="lesson_position"),
            models.UniqueConstraint(fields=["guide", "article"], name="lesson_article_once"),
        ]
        ordering = ["position"]


class LessonProgress(models.Model):
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    attempts = models.PositiveIntegerField(default=0)
    passed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "lesson"], name="lesson_progress_once"),
        ]


class GuideCompletion(models.Model):
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "guide"], name="guide_completion_once"),
        ]


class Session(models.Model):
    """A scheduled online session or webinar."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    language = models.CharField(_("language"), max_length=16, default="en")
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(600)],
    )
    join_url = models.URLField(_("link to join"), blank=True)
    recording_url = models.URLField(_("recording"), blank=True)
    capacity = models.PositiveIntegerField(_("places (0: no limit)"), default=0)
    published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5), name="session_duration_min"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="registrations")
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "contact"], name="registration_once"),
        ]
        indexes = [models.Index(fields=["reminded_at"])]


class GuideOffer(models.Model):
    """The guide suggested to a customer in their first conversation: one per customer, so a
    redelivered event or a second first-looking conversation never repeats it."""

    contact = models.OneToOneField(
        "conversations.Contact", on_delete=models.CASCADE, related_name="+"
    )
    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
