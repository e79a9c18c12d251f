"""The email inbox settings form (Settings → Email inboxes). Secrets are write-only: the
form never shows them back, and an empty field keeps the stored one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.connectors.email.models import EmailChannel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _secret_field(label: StrOrPromise) -> forms.CharField:
    """A write-only secret: never shown back, empty keeps the stored one."""
    return forms.CharField(
        label=label,
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Stored encrypted. Leave empty to keep the current one."),
    )


class EmailInboxForm(forms.Form):
    name = forms.CharField(label=_("Inbox name"), max_length=120)
    from_address = forms.EmailField(label=_("From address"))
    from_name = forms.CharField(label=_("From name"), max_length=120, required=False)
    signature = forms.CharField(label=_("Signature"), widget=forms.Textarea(attrs={"rows": 3}),
                                required=False)  # fmt: skip
    plus_addressing = forms.BooleanField(
        label=_("Replies use support+<case token>@ (the mail server delivers plus addresses)"),
        required=False,
    )
    imap_enabled = forms.BooleanField(label=_("Read this mailbox over IMAP"), required=False)
    imap_host = forms.CharField(label=_("IMAP host"), max_length=255, required=False)
    imap_port = forms.IntegerField(label=_("IMAP port"), min_value=1, max_value=65535,
                                   initial=993)  # fmt: skip
    imap_security = forms.ChoiceField(
        label=_("Security"), choices=EmailChannel.ImapSecurity.choices
    )
    imap_username = forms.CharField(label=_("IMAP user"), max_length=255, required=False)
    imap_auth = forms.ChoiceField(label=_("Sign-in"), choices=EmailChannel.ImapAuth.choices)
    imap_secret = forms.CharField(
        label=_("Password or OAuth2 access token"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Stored encrypted. Leave empty to keep the current one."),
    )
    imap_folder = forms.CharField(label=_("IMAP folder"), max_length=255, initial="INBOX")
    oauth_token_url = forms.URLField(
        label=_("OAuth2 token endpoint"), max_length=500, required=False, assume_scheme="https",
        help_text=_("With a refresh token, the access token is renewed before it expires "
                    "(e.g. https://oauth2.googleapis.com/token)."),
    )  # fmt: skip
    oauth_client_id = _secret_field(_("OAuth2 client id"))
    oauth_client_secret = _secret_field(_("OAuth2 client secret"))
    oauth_refresh_token = _secret_field(_("OAuth2 refresh token"))
    smtp_url = forms.CharField(
        label=_("SMTP server for replies"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_(
            "smtp+tls://user:password@host:587 — stored encrypted. Empty: the site's mail "
            "server. Leave empty to keep the current one."
        ),
    )
    trusted_authserv_id = forms.CharField(
        label=_("Our mail server's authserv-id"), max_length=255, required=False,
        help_text=_("Only its Authentication-Results are believed (SPF, DKIM, DMARC)."),
    )  # fmt: skip


def initial_for(channel: EmailChannel) -> dict[str, object]:
    fields = [
        "from_address", "from_name", "signature", "plus_addressing", "imap_enabled",
        "imap_host", "imap_port", "imap_security", "imap_username", "imap_auth", "imap_folder",
        "trusted_authserv_id", "oauth_token_url",
    ]  # fmt: skip
    return {"name": channel.inbox.name, **{f: getattr(channel, f) for f in fields}}
