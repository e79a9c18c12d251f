"""Settings → Discord inboxes. The bot token is write-only: never shown back, and an
empty field keeps the stored one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.connectors.discord.models import DiscordChannel


class DiscordInboxForm(forms.Form):
    name = forms.CharField(label=_("Inbox name"), max_length=120)
    bot_token = forms.CharField(
        label=_("Bot token"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Checked with Discord, then stored encrypted. Leave empty to keep it."),
    )
    application_id = forms.CharField(label=_("Application id"), max_length=32, required=False)
    public_key = forms.CharField(
        label=_("Public key"), max_length=64, required=False,
        help_text=_("For the /support command's interactions endpoint (Developer Portal)."),
    )  # fmt: skip
    guild_id = forms.CharField(label=_("Server id"), max_length=32, required=False)
    support_channel_id = forms.CharField(
        label=_("Support channel id"), max_length=32, required=False,
        help_text=_("Each question there becomes a thread, and the thread is the case."),
    )  # fmt: skip
    support_is_forum = forms.BooleanField(
        label=_("The support channel is a forum (each post is a case)"), required=False
    )
    staff_role_ids = forms.CharField(
        label=_("Staff role ids"), max_length=500, required=False,
        help_text=_("Members with one of these roles are staff, not customers."),
    )  # fmt: skip


def initial_for(channel: DiscordChannel) -> dict[str, object]:
    fields = ["application_id", "public_key", "guild_id", "support_channel_id",
              "support_is_forum", "staff_role_ids"]  # fmt: skip
    return {"name": channel.inbox.name, **{f: getattr(channel, f) for f in fields}}
