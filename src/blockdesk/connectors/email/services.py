"""Creating and configuring email inboxes (admins only), and the "test connection"."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import check_admin
from blockdesk.common.email_url import EmailUrlError, parse_email_url
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.connectors.channel_setup import assign_settings, clean_channel
from blockdesk.connectors.email.models import EmailChannel
from blockdesk.connectors.email.oauth import check_token_url
from blockdesk.conversations.models import Inbox
from blockdesk.safety.fields import redact_free_text

# Settings an admin may change; the secrets are write-only (never shown back).
FIELDS = (
    "from_address", "from_name", "signature", "plus_addressing", "imap_enabled", "imap_host",
    "imap_port", "imap_security", "imap_username", "imap_auth", "imap_secret", "imap_folder",
    "smtp_url", "trusted_authserv_id", "oauth_token_url", "oauth_client_id",
    "oauth_client_secret", "oauth_refresh_token",
)  # fmt: skip
SECRETS = ("imap_secret", "smtp_url", "oauth_client_id", "oauth_client_secret",
           "oauth_refresh_token")  # fmt: skip


def _apply(channel: EmailChannel, values: dict[str, Any]) -> None:
    assigned = assign_settings(channel, values, fields=FIELDS, secrets=SECRETS)
    if assigned & {"imap_secret", "oauth_refresh_token"}:
        channel.oauth_expires_at = None  # a new token: its lifetime is unknown
    if channel.smtp_url:
        try:
            parse_email_url(channel.smtp_url, default_dir=Path())
        except EmailUrlError as exc:
            raise ValidationFailed.field("smtp_url", _("Enter an smtp:// address.")) from exc
    channel.signature = redact_free_text(channel.signature)[0]
    channel.from_address = channel.from_address.lower()
    if channel.imap_enabled and not (channel.imap_host and channel.imap_username):
        raise ValidationFailed.field("imap_host", _("IMAP needs a host and a user."))
    if channel.oauth_token_url:
        check_token_url(channel.oauth_token_url)
    clean_channel(channel)


def do_create_email_inbox(
    *,
    account: Account,
    name: str,
    members: Sequence[User] = (),
    actor: User | None = None,
    **values: Any,
) -> EmailChannel:
    if actor is not None:
        check_admin(actor=actor)
    if not name.strip():
        raise ValidationFailed.field("name", _("Give the inbox a name."))
    with transaction.atomic():
        inbox = Inbox.objects.create(
            account=account, name=name.strip()[:120], channel_kind=EmailChannel.kind
        )
        channel = EmailChannel(inbox=inbox)
        _apply(channel, values)
        channel.save()
        inbox.members.set([m for m in members if m.account_id == account.pk])
    return channel


def do_update_email_inbox(
    *, actor: User, channel: EmailChannel, name: str | None = None, **values: Any
) -> EmailChannel:
    check_admin(actor=actor)
    inbox = channel.inbox
    if inbox.account_id != actor.account_pk:
        raise NotFound()
    with transaction.atomic():
        if name is not None:
            if not name.strip():
                raise ValidationFailed.field("name", _("Give the inbox a name."))
            inbox.name = name.strip()[:120]
            inbox.save(update_fields=["name"])
        _apply(channel, values)
        channel.save()
    return channel


def check_email_connection(*, actor: User, channel: EmailChannel) -> str:
    """The "test connection" button: a message for the admin; ValidationFailed on failure."""
    check_admin(actor=actor)
    if channel.inbox.account_id != actor.account_pk:
        raise NotFound()
    # imapclient loads when an admin tests a mailbox, not with the settings page's routes.
    from blockdesk.connectors.email.imap import ImapFailure, test_connection

    try:
        return test_connection(channel)
    except ImapFailure as exc:
        raise ValidationFailed(
            str(exc), code="imap_failed", fields={"imap_host": [str(exc)]}
        ) from exc
