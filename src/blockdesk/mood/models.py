from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MessageMood(models.Model):
    """The mood of one customer message, written by the `mood.messages` event consumer."""

    class Label(models.TextChoices):
        NEGATIVE = "negative", _("Negative")
        NEUTRAL = "neutral", _("Neutral")
        POSITIVE = "positive", _("Positive")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    # One row a message: the unique key makes a replayed event a no-op.
    message = models.OneToOneField(
        "conversations.Message", on_delete=models.CASCADE, related_name="mood"
    )
    label = models.CharField(max_length=8, choices=Label.choices)
    score = models.FloatField()  # -1 … 1
    # {"anger", "fear", "frustration", "urgency"} → strength in [0, 1]
    emotions = models.JSONField(default=dict)
    language = models.CharField(max_length=8)
    created_at = models.DateTimeField()  # the message's time

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=-1.0, score__lte=1.0), name="messagemood_score_range"
            ),
            models.CheckConstraint(
                condition=Q(label__in=["negative", "neutral", "positive"]),
                name="messagemood_label_valid",
            ),
        ]
        indexes = [models.Index(fields=["conversation", "-message"])]
