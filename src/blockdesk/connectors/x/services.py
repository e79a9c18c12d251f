"""Creating and configuring X inboxes (admins only). A new access token is checked with
X (`GET /2/users/me`) before it is stored, encrypted; the account's id comes from there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import ValidationFailed
from blockdesk.connectors.channel_setup import (
    assign_settings,
    clean_channel,
    do_create_configured_inbox,
    do_update_configured_inbox,
)
from blockdesk.connectors.contract import DeliveryFailed
from blockdesk.connectors.x import api
from blockdesk.connectors.x.models import XChannel

FIELDS = (
    "enabled", "client_id", "client_secret", "access_token", "refresh_token", "consumer_secret",
    "poll_mentions", "poll_dms", "thread_long_replies",
)  # fmt: skip
SECRETS = ("client_secret", "access_token", "refresh_token", "consumer_secret")


def _apply(channel: XChannel, values: dict[str, Any]) -> None:
    new_token = str(values.get("access_token") or "").strip()
    assign_settings(channel, values, fields=FIELDS, secrets=SECRETS)
    if new_token:
        try:
            user = api.me(channel, token=new_token)
        except DeliveryFailed as exc:
            raise ValidationFailed.field(
                "access_token",
                _("X did not accept this token: %(reason)s") % {"reason": exc.reason},
            ) from exc
        channel.user_id = str(user.get("id") or "")
        channel.username = str(user.get("username") or "")[:50]
    if channel.enabled and not (channel.access_token and channel.user_id):
        raise ValidationFailed.field("access_token", _("Enter the account's access token."))
    clean_channel(channel)


def do_create_x_inbox(
    *,
    account: Account,
    name: str,
    members: Sequence[User] = (),
    actor: User | None = None,
    **values: Any,
) -> XChannel:
    return do_create_configured_inbox(
        account=account,
        name=name,
        channel=XChannel(),
        apply=_apply,
        values=values,
        members=members,
        actor=actor,
    )


def do_update_x_inbox(
    *, actor: User, channel: XChannel, name: str | None = None, **values: Any
) -> XChannel:
    return do_update_configured_inbox(
        actor=actor, channel=channel, name=name, apply=_apply, values=values
    )
