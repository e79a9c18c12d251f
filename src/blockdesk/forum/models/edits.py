"""Edit history and per-member email preferences.

A `Revision` keeps the text a post had before one edit (who edited, when): the revisions
page lists them newest first. A `MemberPreferences` row exists only once a member changes
a default (both kinds of email on)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from blockdesk.forum.models.posts import TITLE_MAX


class Revision(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(
        "forum.Question", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    answer = models.ForeignKey(
        "forum.Answer", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        "forum.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Who made the edit that replaced this text: a member or an agent (staff).
    editor = models.ForeignKey(
        "customers.CustomerAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    editor_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The previous text (secrets were redacted before it was first stored).
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField()
    tags = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(question__isnull=False, answer__isnull=True, comment__isnull=True)
                    | Q(question__isnull=True, answer__isnull=False, comment__isnull=True)
                    | Q(question__isnull=True, answer__isnull=True, comment__isnull=False)
                ),
                name="forum_revision_one_target",
            )
        ]
        indexes = [
            models.Index(fields=["question", "-created_at"], name="forum_rev_question"),
            models.Index(fields=["answer", "-created_at"], name="forum_rev_answer"),
            models.Index(fields=["comment", "-created_at"], name="forum_rev_comment"),
        ]


class MemberPreferences(models.Model):
    member = models.OneToOneField(
        "customers.CustomerAccount",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="forum_preferences",
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    email_answers = models.BooleanField(default=True)
    email_mentions = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)
