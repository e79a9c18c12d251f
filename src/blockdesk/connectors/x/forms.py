"""Settings → X inboxes. Secrets are write-only: never shown back; empty keeps them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.connectors.x.models import XChannel

KEEP = _("Stored encrypted. Leave empty to keep the current one.")


def _secret(label: Any) -> forms.CharField:  # a lazy translation
    return forms.CharField(label=label, required=False, help_text=KEEP,
                           widget=forms.PasswordInput(render_value=False))  # fmt: skip


class XInboxForm(forms.Form):
    name = forms.CharField(label=_("Inbox name"), max_length=120)
    enabled = forms.BooleanField(label=_("Read and answer on X"), required=False)
    client_id = forms.CharField(label=_("OAuth 2.0 client id"), max_length=100, required=False)
    client_secret = _secret(_("OAuth 2.0 client secret"))
    access_token = _secret(_("Access token (checked with X)"))
    refresh_token = _secret(_("Refresh token"))
    consumer_secret = _secret(_("Consumer secret (Account Activity webhook, optional)"))
    poll_mentions = forms.BooleanField(label=_("Read mentions"), required=False, initial=True)
    poll_dms = forms.BooleanField(label=_("Read direct messages"), required=False, initial=True)
    thread_long_replies = forms.BooleanField(
        label=_("A reply longer than one post becomes a thread (else it is refused)"),
        required=False, initial=True,
    )  # fmt: skip


def initial_for(channel: XChannel) -> dict[str, object]:
    fields = ["enabled", "client_id", "poll_mentions", "poll_dms", "thread_long_replies"]
    return {"name": channel.inbox.name, **{f: getattr(channel, f) for f in fields}}
