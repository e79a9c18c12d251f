"""An X inbox's account credentials and cursors, and where each conversation's replies go
(a DM to the customer, or a reply to their latest mention)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from blockdesk.common.crypto import EncryptedTextField
from blockdesk.connectors.contract import SendResult
from blockdesk.connectors.models import BaseChannel
from blockdesk.connectors.registry import register_channel

if TYPE_CHECKING:
    from blockdesk.conversations.models import Message


@register_channel
class XChannel(BaseChannel):
    """The support account on X. OAuth 2.0 user-context tokens (scopes tweet.read
    tweet.write users.read dm.read dm.write offline.access), encrypted at rest; the
    access token is refreshed with the refresh token when X says it expired."""

    kind: ClassVar[str] = "x"
    delivers_by_task: ClassVar[bool] = True
    # Parts are cut per reply kind in outbound.py (a post: 280, a DM: 10,000).
    max_length: ClassVar[int] = 0

    enabled = models.BooleanField(_("enabled"), default=False)
    client_id = models.CharField(_("OAuth 2.0 client id"), max_length=100, blank=True)
    client_secret = EncryptedTextField(blank=True)
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    # The app's consumer secret: answers the Account Activity webhook's CRC challenge.
    consumer_secret = EncryptedTextField(blank=True)
    user_id = models.CharField(max_length=32, blank=True)
    username = models.CharField(max_length=50, blank=True)
    poll_mentions = models.BooleanField(_("read mentions"), default=True)
    poll_dms = models.BooleanField(_("read direct messages"), default=True)
    # A reply longer than one post: a thread of posts, or refused with a clear reason.
    thread_long_replies = models.BooleanField(_("long replies as a thread"), default=True)
    since_mention_id = models.CharField(max_length=32, blank=True)
    last_dm_event_id = models.CharField(max_length=32, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    @property
    def configured(self) -> bool:
        return bool(self.enabled and self.access_token and self.user_id)

    def send(self, message: Message) -> SendResult:
        from blockdesk.connectors.x.outbound import send_reply

        return send_reply(channel=self, message=message)

    def settings_summary(self) -> dict[str, str]:
        return {"account": f"@{self.username}" if self.username else "-"}


class XRoute(models.Model):
    """The customer's latest way in for a conversation: a DM (to `participant_id`) or a
    mention (a reply to `reply_to_post_id`)."""

    class Kind(models.TextChoices):
        DM = "dm", _("Direct message")
        MENTION = "mention", _("Mention")

    channel = models.ForeignKey(XChannel, on_delete=models.CASCADE, related_name="routes")
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    participant_id = models.CharField(max_length=32)
    reply_to_post_id = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "conversation"], name="x_route_unique")
        ]


class XSentPart(models.Model):
    """Each post or DM of a reply once X accepted it: a retry sends only the rest."""

    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    index = models.PositiveSmallIntegerField()
    platform_id = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "index"], name="x_part_unique")]


class XMediaFetch(models.Model):
    """A customer's image or video on X that could not be fetched when its DM or mention
    was stored (the media host down, a timeout): the message is kept, with the failure
    noted, and the periodic job tries again (inbound_media.retry_due_media) until
    `MAX_ATTEMPTS`; then it stays failed, with the reason agents see."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Retrying")
        FETCHED = "fetched", _("Fetched")
        FAILED = "failed", _("Not fetched")

    channel = models.ForeignKey(XChannel, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey("conversations.Message", on_delete=models.CASCADE, related_name="+")
    media_key = models.CharField(max_length=64)
    media_type = models.CharField(max_length=16)  # photo, video, animated_gif
    url = models.URLField(max_length=500)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=1)
    reason = models.CharField(max_length=300, blank=True)
    next_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "media_key"], name="x_media_fetch_unique")
        ]
        indexes = [models.Index(fields=["status", "next_at"])]
