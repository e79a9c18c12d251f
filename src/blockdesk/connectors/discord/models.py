"""A Discord inbox's bot settings, and which Discord channel (a DM, a thread, a forum post)
belongs to which conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from blockdesk.common.crypto import EncryptedTextField
from blockdesk.connectors.contract import SendResult, WidgetContinue
from blockdesk.connectors.models import BaseChannel
from blockdesk.connectors.registry import register_channel

if TYPE_CHECKING:
    from blockdesk.conversations.models import Message


@register_channel
class DiscordChannel(BaseChannel):
    """One bot (its token encrypted at rest, checked against `/users/@me` on save)."""

    kind: ClassVar[str] = "discord"
    delivers_by_task: ClassVar[bool] = True
    max_length: ClassVar[int] = 2000  # Discord's limit for a message's content

    bot_token = EncryptedTextField(blank=True)
    # From the Developer Portal: the interactions endpoint's Ed25519 public key (hex).
    application_id = models.CharField(_("application id"), max_length=32, blank=True)
    public_key = models.CharField(_("public key"), max_length=64, blank=True)
    # Filled from /users/@me when the token is saved: the bot's own messages are skipped.
    bot_user_id = models.CharField(max_length=32, blank=True)
    bot_username = models.CharField(max_length=100, blank=True)
    guild_id = models.CharField(_("server id"), max_length=32, blank=True)
    # Each new message there opens a thread (a text channel) or is a post (a forum).
    support_channel_id = models.CharField(_("support channel id"), max_length=32, blank=True)
    support_is_forum = models.BooleanField(_("the support channel is a forum"), default=False)
    # Role ids, space-separated: members with one of them are staff, not customers.
    staff_role_ids = models.CharField(_("staff role ids"), max_length=500, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    def staff_roles(self) -> set[str]:
        return {r for r in self.staff_role_ids.split() if r}

    def send(self, message: Message) -> SendResult:
        from blockdesk.connectors.discord.outbound import send_reply

        return send_reply(channel=self, message=message)

    def settings_summary(self) -> dict[str, str]:
        return {"bot": self.bot_username or "-", "support channel": self.support_channel_id}

    def widget_continue(self) -> WidgetContinue | None:
        # Discord has no deep link that carries a token: the widget shows the command to
        # send the bot (`/link`, redeemed in inbound._link). A bot without a token cannot.
        if not self.bot_token:
            return None
        return WidgetContinue(kind="discord", label=str(_("Discord")), command="/link {token}")


class DiscordRoute(models.Model):
    """Where a conversation's replies go: a DM channel, a thread or a forum post. A thread
    or post belongs to one conversation; a DM channel is the customer's, replies to
    every case they open there go to it."""

    class Kind(models.TextChoices):
        DM = "dm", _("Direct message")
        THREAD = "thread", _("Thread")

    channel = models.ForeignKey(DiscordChannel, on_delete=models.CASCADE, related_name="routes")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    discord_channel_id = models.CharField(max_length=32)
    user_id = models.CharField(max_length=32, blank=True)
    # None: a thread announced (THREAD_CREATE) whose first message has not come yet.
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "kind", "discord_channel_id", "conversation"],
                name="discord_route_unique",
            )
        ]
        indexes = [models.Index(fields=["channel", "discord_channel_id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.discord_channel_id} → {self.conversation_id}"


class DiscordSeen(models.Model):
    """Interactions handled (by id): a replayed interaction is a no-op, it opens no
    second thread."""

    channel = models.ForeignKey(DiscordChannel, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "event_id"], name="discord_seen_unique")
        ]


class DiscordSentPart(models.Model):
    """Each part of a long reply once Discord accepted it: a retry after a failure halfway
    sends only the parts not yet sent (nothing twice)."""

    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    index = models.PositiveSmallIntegerField()
    discord_message_id = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "index"], name="discord_part_unique")
        ]
