"""Per conversation: which replies went to the customer's follow-up email, and the next send."""

from __future__ import annotations

from django.db import models


class ReplyEmail(models.Model):
    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    # Replies up to this message id were emailed (or seen live, which counts the same).
    last_emailed_message_id = models.BigIntegerField(default=0)
    # When the next email is due; None when nothing waits. While a send runs it holds a
    # lease (a time a few minutes ahead), so a second worker does not send it again.
    due_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # failures since the last success
    sent_count = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # The failure's type and SMTP code only: never an address or the content.
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["due_at"])]

    def __str__(self) -> str:
        return f"reply email state of conversation {self.conversation_id}"
