"""A conversation continued on another channel (connectors/linked_channels.py)."""

from __future__ import annotations

from django.db import models


class LinkedChannel(models.Model):
    """Replies in `conversation` also go out through `inbox`'s channel, to `address`
    there (the platform's chat, for agents and logs: the channel itself keeps how to reach
    it). Written by a channel package when the customer proves the link, e.g. the widget's
    Telegram `/start` deep link; read by the deliveries consumer."""

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    inbox = models.ForeignKey("conversations.Inbox", on_delete=models.CASCADE, related_name="+")
    address = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "inbox"], name="linked_channel_unique"),
        ]

    def __str__(self) -> str:
        return f"conversation {self.conversation_id} also on inbox {self.inbox_id}"


class ReplyRoute(models.Model):
    """Where agents' public replies in `conversation` go: the inbox whose channel the
    customer last wrote from on that case (or moved to with a deep link), or the one an
    agent chose since. One delivery per reply, on this channel only; no row: the
    conversation's own channel (linked_channels.delivery_inbox). `since_message_id`: the
    newest message of the case when the route was set, so a customer message handled late
    by the deliveries consumer never moves the route back."""

    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    inbox = models.ForeignKey("conversations.Inbox", on_delete=models.CASCADE, related_name="+")
    since_message_id = models.BigIntegerField(default=0)
    chosen_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"replies in conversation {self.conversation_id} go to inbox {self.inbox_id}"
