"""Creating and configuring Telegram inboxes (admins only). Saving checks the token with
getMe (the bot's id and username come from it), then points Telegram at this server: a
webhook with our secret token, or no webhook for long polling (getUpdates refuses to run
while one is set)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.connectors.channel_setup import assign_settings, clean_channel
from blockdesk.connectors.telegram.models import TelegramChannel
from blockdesk.conversations.models import Inbox

FIELDS = ("bot_token", "mode", "group_policy")


def webhook_url(channel: TelegramChannel) -> str:
    return settings.PUBLIC_URL + reverse("telegram_webhook", args=[channel.inbox_id])


def _check_bot(channel: TelegramChannel) -> None:
    """getMe with the token: a refused token or an unreachable Telegram is a form error."""
    # python-telegram-bot (~14 MB) on use, not when the console URLs load.
    from blockdesk.connectors.telegram import api

    try:
        me = api.call(channel.bot_token, lambda bot: bot.get_me())
    except api.ApiFailure as exc:
        raise ValidationFailed.field("bot_token", exc.reason) from exc
    channel.bot_id, channel.bot_username = me.id, me.username or ""


def _point_telegram_here(channel: TelegramChannel) -> None:
    # python-telegram-bot (~14 MB) on use, not when the console URLs load.
    from blockdesk.connectors.telegram import api

    if channel.mode == TelegramChannel.Mode.WEBHOOK:
        url, secret = webhook_url(channel), channel.webhook_secret

        async def point(bot: api.Bot) -> bool:
            return await bot.set_webhook(
                url=url,
                secret_token=secret,
                allowed_updates=["message"],
                max_connections=settings.TELEGRAM_WEBHOOK_MAX_CONNECTIONS,
            )
    else:

        async def point(bot: api.Bot) -> bool:
            return await bot.delete_webhook()

    try:
        api.call(channel.bot_token, point)
    except api.ApiFailure as exc:
        raise ValidationFailed.field("mode", exc.reason) from exc


def _apply(channel: TelegramChannel, values: dict[str, Any]) -> bool:
    """Returns whether the bot must be checked again (a new token or mode)."""
    before = (channel.bot_token, channel.mode)
    assign_settings(channel, values, fields=FIELDS, secrets=("bot_token",))
    changed = (channel.bot_token, channel.mode) != before
    if not channel.bot_token:
        raise ValidationFailed.field("bot_token", _("Enter the bot's token from @BotFather."))
    clean_channel(channel)
    return changed or not channel.bot_id


def do_create_telegram_inbox(
    *,
    account: Account,
    name: str,
    members: Sequence[User] = (),
    actor: User | None = None,
    **values: Any,
) -> TelegramChannel:
    if actor is not None:
        check_admin(actor=actor)
    if not name.strip():
        raise ValidationFailed.field("name", _("Give the inbox a name."))
    channel = TelegramChannel()
    _apply(channel, values)
    _check_bot(channel)  # before any row exists: a bad token adds nothing
    with transaction.atomic():
        inbox = Inbox.objects.create(
            account=account, name=name.strip()[:120], channel_kind=TelegramChannel.kind
        )
        channel.inbox = inbox
        channel.save()
        inbox.members.set([m for m in members if m.account_id == account.pk])
    _point_telegram_here(channel)
    return channel


def do_update_telegram_inbox(
    *, actor: User, channel: TelegramChannel, name: str | None = None, **values: Any
) -> TelegramChannel:
    check_admin(actor=actor)
    inbox = channel.inbox
    if inbox.account_id != actor.account_pk:
        raise NotFound()
    recheck = _apply(channel, values)
    if recheck:
        _check_bot(channel)
    with transaction.atomic():
        if name is not None:
            if not name.strip():
                raise ValidationFailed.field("name", _("Give the inbox a name."))
            inbox.name = name.strip()[:120]
            inbox.save(update_fields=["name"])
        channel.save()
    if recheck:
        _point_telegram_here(channel)
    return channel
