"""OAuth2 for XOAUTH2 mailboxes: the access token (imap_secret) is renewed with the refresh
token before it expires (RFC 6749 §6), so a Gmail or Microsoft 365 mailbox keeps being
read after its first hour.

The token endpoint is an address an administrator typed, so the request goes through the
outbound-address guard (`common/netguard.pinned_client`; private addresses only with
BLOCKDESK_EMAIL_ALLOW_PRIVATE_HOSTS, like the IMAP host). httpx is already the project's
HTTP client; the exchange is one form POST, so no OAuth library is needed for it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.common.errors import ValidationFailed
from blockdesk.common.netguard import UnsafeTarget, check_url, pinned_client
from blockdesk.connectors.email.models import EmailChannel

# Renewed this long before the stated expiry (clock skew, a slow IMAP login).
REFRESH_MARGIN = dt.timedelta(minutes=5)
# A provider that states no lifetime gets the common one.
DEFAULT_LIFETIME = 3600
TIMEOUT = 15.0


class OAuthFailure(Exception):
    """The refresh failed; the message is safe to show an administrator."""


def check_token_url(url: str) -> None:
    """The save-time check of the token endpoint: https (http only to a private host the
    install allows), and an address the guard accepts."""
    allow_private = settings.EMAIL_ALLOW_PRIVATE_HOSTS
    if not url.startswith("https://") and not (allow_private and url.startswith("http://")):
        raise ValidationFailed.field("oauth_token_url", _("The token endpoint needs https://."))
    try:
        check_url(url, allow_private=allow_private, require_resolvable=False)
    except UnsafeTarget as exc:
        raise ValidationFailed.field("oauth_token_url", str(exc)) from exc


def can_refresh(channel: EmailChannel) -> bool:
    return bool(
        channel.imap_auth == EmailChannel.ImapAuth.XOAUTH2
        and channel.oauth_token_url
        and channel.oauth_refresh_token
    )


def needs_refresh(channel: EmailChannel, *, now: dt.datetime | None = None) -> bool:
    """Refreshable and without an access token, of unknown lifetime, or expiring soon."""
    if not can_refresh(channel):
        return False
    if not channel.imap_secret or channel.oauth_expires_at is None:
        return True
    return channel.oauth_expires_at - REFRESH_MARGIN <= (now or timezone.now())


def _error_code(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    code = body.get("error") if isinstance(body, dict) else None
    # The provider's error code only ("invalid_grant"), never its free text.
    if isinstance(code, str) and re.fullmatch(r"[a-z_]{1,40}", code):
        return code
    return f"HTTP {response.status_code}"


def _request_token(channel: EmailChannel) -> dict[str, Any]:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": channel.oauth_refresh_token,
        "client_id": channel.oauth_client_id,
    }
    if channel.oauth_client_secret:
        form["client_secret"] = channel.oauth_client_secret
    try:
        with pinned_client(
            allow_private=settings.EMAIL_ALLOW_PRIVATE_HOSTS, timeout=TIMEOUT
        ) as client:
            response = client.post(
                channel.oauth_token_url, data=form, headers={"Accept": "application/json"}
            )
    except UnsafeTarget as exc:
        raise OAuthFailure(str(exc)) from exc
    except httpx.HTTPError as exc:
        raise OAuthFailure(
            _("The OAuth2 token endpoint could not be reached (%(error)s).")
            % {"error": type(exc).__name__}
        ) from exc
    if response.status_code != 200:
        raise OAuthFailure(
            _("The OAuth2 token endpoint refused the refresh (%(error)s).")
            % {"error": _error_code(response)}
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
        raise OAuthFailure(_("The OAuth2 token endpoint sent no access token."))
    return body


def refresh_access_token(channel: EmailChannel, *, now: dt.datetime | None = None) -> None:
    """Renews imap_secret now (and the refresh token, when the provider rotates it)."""
    body = _request_token(channel)
    lifetime = body.get("expires_in")
    seconds = lifetime if isinstance(lifetime, int) and lifetime > 0 else DEFAULT_LIFETIME
    channel.imap_secret = body["access_token"]
    channel.oauth_expires_at = (now or timezone.now()) + dt.timedelta(seconds=seconds)
    fields = ["imap_secret", "oauth_expires_at"]
    rotated = body.get("refresh_token")
    if isinstance(rotated, str) and rotated:
        channel.oauth_refresh_token = rotated
        fields.append("oauth_refresh_token")
    channel.save(update_fields=fields)


def ensure_fresh_token(channel: EmailChannel, *, now: dt.datetime | None = None) -> None:
    """Called before every XOAUTH2 login. The row is locked while refreshing so that two
    pollers do not both spend a refresh token that the provider rotates (the second would
    be refused); the one that waited finds the new token and does nothing."""
    if not needs_refresh(channel, now=now):
        return
    with transaction.atomic():
        locked = EmailChannel.objects.select_for_update().get(pk=channel.pk)
        if needs_refresh(locked, now=now):
            refresh_access_token(locked, now=now)
    channel.imap_secret = locked.imap_secret
    channel.oauth_expires_at = locked.oauth_expires_at
    channel.oauth_refresh_token = locked.oauth_refresh_token
