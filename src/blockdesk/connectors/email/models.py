"""An email inbox's mailbox settings, and a record of every mail it was handed."""

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
class EmailChannel(BaseChannel):
    """A support mailbox. Inbound over IMAP (or piped in by the MTA), outbound over SMTP
    (its own server, or the site's EMAIL_URL). Passwords and tokens are encrypted at rest."""

    kind: ClassVar[str] = "email"
    delivers_by_task: ClassVar[bool] = True
    max_length: ClassVar[int] = 0  # a mail has no practical length limit

    class ImapSecurity(models.TextChoices):
        TLS = "tls", _("TLS")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("None (loopback only)")

    class ImapAuth(models.TextChoices):
        PASSWORD = "password", _("Password")
        XOAUTH2 = "xoauth2", _("OAuth2 (XOAUTH2)")

    from_address = models.EmailField(_("from address"))
    from_name = models.CharField(_("from name"), max_length=120, blank=True)
    signature = models.TextField(_("signature"), blank=True)
    # Replies carry the case token as support+<token>@ (Reply-To): only for mail servers
    # that deliver plus-addresses to the mailbox.
    plus_addressing = models.BooleanField(_("plus addressing"), default=False)
    imap_enabled = models.BooleanField(_("read over IMAP"), default=False)
    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        max_length=16, choices=ImapSecurity.choices, default=ImapSecurity.TLS
    )
    imap_username = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_auth = models.CharField(max_length=16, choices=ImapAuth.choices, default=ImapAuth.PASSWORD)
    # The password, or the OAuth2 access token for XOAUTH2.
    imap_secret = EncryptedTextField(blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    # XOAUTH2 access tokens expire (an hour at Google and Microsoft): with a refresh token
    # and the provider's token endpoint, imap_secret is renewed before it does
    # (connectors/email/oauth.py). The client id and secret are encrypted like the tokens.
    oauth_token_url = models.URLField(_("OAuth2 token endpoint"), max_length=500, blank=True)
    oauth_client_id = EncryptedTextField(blank=True)
    oauth_client_secret = EncryptedTextField(blank=True)
    oauth_refresh_token = EncryptedTextField(blank=True)
    oauth_expires_at = models.DateTimeField(null=True, blank=True)
    # Where the last sync stopped: UIDs are only valid for one UIDVALIDITY.
    imap_uidvalidity = models.BigIntegerField(default=0)
    imap_last_uid = models.BigIntegerField(default=0)
    imap_last_polled_at = models.DateTimeField(null=True, blank=True)
    imap_last_error = models.CharField(max_length=300, blank=True)
    # smtp[s|+tls]://user:password@host:port; empty: the site's EMAIL_URL.
    smtp_url = EncryptedTextField(blank=True)
    # The authserv-id of our own receiving server's Authentication-Results; empty: trust
    # the topmost header only (the one the last hop, our server, added).
    trusted_authserv_id = models.CharField(max_length=255, blank=True)

    def send(self, message: Message) -> SendResult:
        from blockdesk.connectors.email.outbound import send_reply

        return send_reply(channel=self, message=message)

    def render_markup(self, text: str) -> str:
        from blockdesk.connectors.email.outbound import markdown_to_html

        return markdown_to_html(text)

    def settings_summary(self) -> dict[str, str]:
        return {"from": self.from_address, "imap": self.imap_host or "-"}


class EmailReceipt(models.Model):
    """Every mail an inbox was handed, stored or not: threading looks up Message-IDs here,
    a redelivered mail is found by its Message-ID, and a refused one keeps its record
    (status and reason; headers only, redacted)."""

    class Status(models.TextChoices):
        STORED = "stored", _("Stored")
        AUTOMATIC = "automatic", _("Stored, automatic mail (never answered)")
        REFUSED = "refused", _("Refused")
        OWN = "own", _("Our own mail, ignored")
        RATE_LIMITED = "rate_limited", _("Rate-limited sender")

    channel = models.ForeignKey(EmailChannel, on_delete=models.CASCADE, related_name="receipts")
    # The mail's Message-ID header (the FK below is `message`).
    header_id = models.CharField(max_length=255)
    status = models.CharField(max_length=16, choices=Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    size = models.PositiveIntegerField(default=0)
    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.ForeignKey(
        "conversations.Message", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "header_id"], name="email_receipt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.header_id}: {self.status}"
