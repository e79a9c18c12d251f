from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.utils.translation import gettext as _

from blockdesk.connectors.contract import MessageTooLong, SendResult, WidgetContinue, split_text

if TYPE_CHECKING:
    from blockdesk.conversations.models import Message


class BaseChannel(models.Model):
    """Each channel kind is its own model with its own behaviour. The inbox is the
    common face that conversations hang off; `kind` ties the two together.
    The contract every kind follows: connectors/contract.py."""

    kind: ClassVar[str]
    # Replies go out through a background delivery (connectors.deliveries consumer,
    # contract_delivery): send() is called with retries. False for channels whose
    # customers read replies live (the widget's socket push).
    delivers_by_task: ClassVar[bool] = False
    # Per part of an outbound message, in characters of the platform's markup.
    max_length: ClassVar[int] = 0  # 0: no limit
    # Longer text is split into several platform messages; False refuses it instead.
    split_long: ClassVar[bool] = True
    # Attempts before a delivery fails for good, and the waits between them (seconds).
    max_attempts: ClassVar[int] = 6
    backoff: ClassVar[tuple[int, ...]] = (10, 60, 300, 1200, 3600)

    inbox = models.OneToOneField("conversations.Inbox", on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    def send(self, message: Message) -> SendResult:
        """Send one public reply to the platform (the delivery task calls it). Raise
        `DeliveryFailed` with a reason agents can read."""
        raise NotImplementedError

    def format_outbound(self, text: str) -> list[str]:
        """The stored Markdown as the platform's markup, in parts of at most
        `max_length`. Kinds override `render_markup`; the splitting is shared."""
        markup = self.render_markup(text)
        if not self.max_length or len(markup) <= self.max_length:
            return [markup]
        if not self.split_long:
            raise MessageTooLong(
                _("The message is longer than this channel allows (%(max)d characters).")
                % {"max": self.max_length}
            )
        return split_text(markup, self.max_length)

    def render_markup(self, text: str) -> str:
        return text

    def settings_summary(self) -> dict[str, str]:
        return {}

    def widget_continue(self) -> WidgetContinue | None:
        """The widget's "Continue on …" button for this channel, when the channel redeems
        the widget's link tokens (connectors/contract.py); None: no button."""
        return None
