"""A Telegram inbox's bot, the updates it was handed, and the map between Telegram's
chats, topics and messages and our conversations and messages."""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from blockdesk.common.crypto import EncryptedTextField
from blockdesk.connectors.contract import SendResult, WidgetContinue
from blockdesk.connectors.models import BaseChannel
from blockdesk.connectors.registry import register_channel

if TYPE_CHECKING:
    from blockdesk.conversations.models import Message

# Telegram's limit on one text message (after entity parsing; we count the markup,
# which is never shorter).
TEXT_LIMIT = 4096
# A bot username as Telegram allows it (5-32 characters, ends in "bot"); anything else
# is not put into a link.
_USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")


def _webhook_secret() -> str:
    # Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -.
    return secrets.token_urlsafe(32)


@register_channel
class TelegramChannel(BaseChannel):
    """One bot. Its token is encrypted at rest and checked with getMe on save."""

    kind: ClassVar[str] = "telegram"
    delivers_by_task: ClassVar[bool] = True
    max_length: ClassVar[int] = TEXT_LIMIT
    # A 429 names its own wait (retry_after); these are for network errors.
    backoff: ClassVar[tuple[int, ...]] = (5, 30, 120, 600, 1800, 3600)
    max_attempts: ClassVar[int] = 10

    class Mode(models.TextChoices):
        WEBHOOK = "webhook", _("Webhook (this server has a public HTTPS address)")
        POLLING = "polling", _("Long polling (no public address needed)")

    class GroupPolicy(models.TextChoices):
        MENTIONS = (
            "mentions",
            _("Only messages that mention the bot, reply to it or use its command"),
        )
        EVERY = "every", _("Every message")

    bot_token = EncryptedTextField()
    bot_id = models.BigIntegerField(default=0)
    bot_username = models.CharField(max_length=64, blank=True)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.POLLING)
    group_policy = models.CharField(
        max_length=16, choices=GroupPolicy.choices, default=GroupPolicy.MENTIONS
    )
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token; only it proves a webhook
    # call is Telegram's (the URL alone is guessable from the inbox id).
    webhook_secret = EncryptedTextField(default=_webhook_secret)
    # getUpdates' offset: the highest update_id handled.
    last_update_id = models.BigIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    def send(self, message: Message) -> SendResult:
        from blockdesk.connectors.telegram.outbound import send_reply

        return send_reply(channel=self, message=message)

    def format_outbound(self, text: str) -> list[str]:
        from blockdesk.connectors.telegram.markup import split_markdown

        return split_markdown(text, TEXT_LIMIT)

    def render_markup(self, text: str) -> str:
        from blockdesk.connectors.telegram.markup import markdown_to_telegram_html

        return markdown_to_telegram_html(text)

    def settings_summary(self) -> dict[str, str]:
        return {"bot": f"@{self.bot_username}" if self.bot_username else "-", "mode": self.mode}

    def widget_continue(self) -> WidgetContinue | None:
        # The username comes from getMe when the token is checked on save; without it
        # there is no t.me link to build. `/start <token>` is redeemed in inbound._start.
        if not _USERNAME_RE.match(self.bot_username or ""):
            return None
        return WidgetContinue(
            kind="telegram",
            label=str(_("Telegram")),
            href=f"https://t.me/{self.bot_username}?start={{token}}",
            # The per-case deep link (deeplink.do_create_link, widget_views.telegram_link).
            case_endpoint=reverse(
                "telegram_widget_link", kwargs={"public_token": "WIDGET"}
            ).replace("WIDGET", "{widget}"),
        )


class TelegramUpdate(models.Model):
    """Every update handled, by update_id: a replayed one is a no-op. Only the id and
    what became of it are kept, never the payload (it may hold a secret)."""

    class Status(models.TextChoices):
        STORED = "stored", _("Stored")
        IGNORED = "ignored", _("Ignored")
        LINKED = "linked", _("Linked to a widget case")

    channel = models.ForeignKey(TelegramChannel, on_delete=models.CASCADE, related_name="+")
    update_id = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "update_id"], name="telegram_update_once")
        ]


class TelegramThread(models.Model):
    """Where a sender's case lives on Telegram: a private chat, or one member in a group
    (each member is their own contact), or one member in a forum topic (topic_id)."""

    channel = models.ForeignKey(TelegramChannel, on_delete=models.CASCADE, related_name="+")
    chat_id = models.BigIntegerField()
    topic_id = models.BigIntegerField(default=0)  # 0: no forum topic
    user_id = models.BigIntegerField()
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "chat_id", "topic_id", "user_id"], name="telegram_thread_once"
            )
        ]
        indexes = [models.Index(fields=["conversation"])]


class TelegramMessageRef(models.Model):
    """A Telegram message and ours: inbound ones are what replies answer
    (reply_to_message_id), outbound ones thread a customer's reply to the bot, and keep a
    delivery's parts from being sent twice when a retry resumes it."""

    class Direction(models.TextChoices):
        IN = "in", _("Inbound")
        OUT = "out", _("Outbound")

    channel = models.ForeignKey(TelegramChannel, on_delete=models.CASCADE, related_name="+")
    chat_id = models.BigIntegerField()
    topic_id = models.BigIntegerField(default=0)
    telegram_message_id = models.BigIntegerField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    part = models.PositiveSmallIntegerField(default=0)  # outbound: which part of the reply
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "chat_id", "telegram_message_id"], name="telegram_message_once"
            )
        ]
        indexes = [models.Index(fields=["conversation", "direction"])]


class TelegramLinkToken(models.Model):
    """A `/start <token>` deep link a signed-in widget customer opens to continue a case
    on Telegram: whoever opens it in a private chat with the bot proves they hold the
    widget session, so their Telegram identity is linked to that contact."""

    channel = models.ForeignKey(TelegramChannel, on_delete=models.CASCADE, related_name="+")
    # Telegram's start parameter: at most 64 characters of A-Z, a-z, 0-9, _ and -.
    token = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
