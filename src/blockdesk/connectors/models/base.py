from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models

if TYPE_CHECKING:
    from blockdesk.conversations.models import Message


class BaseChannel(models.Model):
    """Each channel kind is its own model with its own behaviour. The inbox is the
    common face that conversations hang off; `kind` ties the two together."""

    kind: ClassVar[str]
    inbox = models.OneToOneField("conversations.Inbox", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    def deliver(self, message: Message) -> None:
        """Send an agent's (or the assistant's) message out through this channel.
        Channels with a live socket need nothing more than the real-time push."""

    def settings_summary(self) -> dict[str, str]:
        return {}
