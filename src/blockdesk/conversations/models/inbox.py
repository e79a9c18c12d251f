from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from blockdesk.connectors.models import BaseChannel


class Inbox(models.Model):
    """One channel instance (a website widget, a mailbox, a bot). Its behaviour lives in
    the channel model of its kind, reached through `inbox.channel`."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="inboxes"
    )
    name = models.CharField(_("name"), max_length=120)
    channel_kind = models.CharField(max_length=32, editable=False)
    members = models.ManyToManyField("accounts.User", related_name="inboxes", blank=True)
    default_team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def channel(self) -> BaseChannel:
        from blockdesk.conversations.channel_registry import channel_for_inbox

        return channel_for_inbox(self)
