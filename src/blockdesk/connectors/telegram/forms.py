"""The Telegram inbox settings form (Settings → Telegram bots). The token is write-only:
the form never shows it back, and an empty field keeps the stored one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.connectors.telegram.models import TelegramChannel


class TelegramInboxForm(forms.Form):
    name = forms.CharField(label=_("Inbox name"), max_length=120)
    bot_token = forms.CharField(
        label=_("Bot token"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_(
            "From @BotFather. Stored encrypted and checked with Telegram on save. "
            "Leave empty to keep the current one."
        ),
    )
    mode = forms.ChoiceField(label=_("How updates arrive"), choices=TelegramChannel.Mode.choices)
    group_policy = forms.ChoiceField(
        label=_("In groups, open or continue a case for"),
        choices=TelegramChannel.GroupPolicy.choices,
    )


def initial_for(channel: TelegramChannel) -> dict[str, object]:
    return {"name": channel.inbox.name, "mode": channel.mode, "group_policy": channel.group_policy}
