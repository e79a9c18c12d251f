"""Creating and configuring Discord inboxes (admins only). A new or changed bot token is
checked against Discord (`GET /users/@me`) before it is stored, encrypted."""

from __future__ import annotations

import re
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
from blockdesk.connectors.discord import rest
from blockdesk.connectors.discord.models import DiscordChannel

FIELDS = (
    "bot_token", "application_id", "public_key", "guild_id", "support_channel_id",
    "support_is_forum", "staff_role_ids",
)  # fmt: skip
SNOWFLAKE = re.compile(r"^\d{5,25}$")


def _check_ids(channel: DiscordChannel) -> None:
    for name in ("application_id", "guild_id", "support_channel_id"):
        value = getattr(channel, name)
        if value and not SNOWFLAKE.match(value):
            raise ValidationFailed.field(name, _("Enter the numeric id Discord shows."))
    roles = channel.staff_role_ids.replace(",", " ").split()
    if any(not SNOWFLAKE.match(r) for r in roles):
        raise ValidationFailed.field("staff_role_ids", _("Enter role ids separated by spaces."))
    channel.staff_role_ids = " ".join(roles)
    if channel.public_key and not re.fullmatch(r"[0-9a-f]{64}", channel.public_key.lower()):
        raise ValidationFailed.field("public_key", _("The public key is 64 hexadecimal digits."))
    channel.public_key = channel.public_key.lower()


def check_bot_token(*, token: str) -> dict[str, Any]:
    """Discord's own answer for the token: the bot user, or ValidationFailed."""
    try:
        me = rest.get_me(token)
    except DeliveryFailed as exc:
        raise ValidationFailed.field(
            "bot_token", _("Discord did not accept this token: %(reason)s") % {"reason": exc.reason}
        ) from exc
    if not me.get("id") or not me.get("bot"):
        raise ValidationFailed.field("bot_token", _("This token is not a bot's token."))
    return me


def _apply(channel: DiscordChannel, values: dict[str, Any]) -> None:
    token = str(values.get("bot_token", "") or "").strip()
    others = {k: v for k, v in values.items() if k != "bot_token"}
    assign_settings(channel, others, fields=FIELDS)
    _check_ids(channel)
    if token and token != channel.bot_token:
        me = check_bot_token(token=token)
        channel.bot_token = token
        channel.bot_user_id = str(me["id"])
        channel.bot_username = str(me.get("username") or "")[:100]
        channel.last_error = ""
    if not channel.bot_token:
        raise ValidationFailed.field("bot_token", _("Enter the bot's token."))
    clean_channel(channel)


def do_create_discord_inbox(
    *,
    account: Account,
    name: str,
    members: Sequence[User] = (),
    actor: User | None = None,
    **values: Any,
) -> DiscordChannel:
    return do_create_configured_inbox(
        account=account,
        name=name,
        channel=DiscordChannel(),
        apply=_apply,
        values=values,
        members=members,
        actor=actor,
    )


def do_update_discord_inbox(
    *, actor: User, channel: DiscordChannel, name: str | None = None, **values: Any
) -> DiscordChannel:
    return do_update_configured_inbox(
        actor=actor, channel=channel, name=name, apply=_apply, values=values
    )
