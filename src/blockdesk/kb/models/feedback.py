from __future__ import annotations

import uuid

from django.db import models


class ArticleFeedback(models.Model):
    """One reader's vote on a translation. The visitor is known only by a keyed hash of
    their session, so a vote can be changed but never counted twice."""

    translation = models.ForeignKey(
        "kb.ArticleTranslation", on_delete=models.CASCADE, related_name="feedback"
    )
    visitor_hash = models.CharField(max_length=64)
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["translation", "visitor_hash"], name="kb_feedback_one_vote"
            )
        ]


def asset_path(instance: KbAsset, filename: str) -> str:
    # The stored name is ours; the uploaded name is kept only as a display field.
    return f"kb/{instance.account_id}/{instance.uid.hex}"


class KbAsset(models.Model):
    """An image uploaded for articles and served by Blockdesk itself, so article pages
    never load third-party URLs (no tracking pixels, strict CSP img-src 'self')."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=asset_path, max_length=255)
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
