"""A public reply in a Discord case, posted where the case lives: its thread or forum
post, or the customer's DMs. Called by the delivery task (contract_delivery) through
`DiscordChannel.send`; retries, backoff and Discord's 429 `retry_after` are the contract's.

Discord takes 2000 characters per message: a longer reply is split at paragraph or word
boundaries (contract.split_text). Attachments follow the text, one message each (Discord
shows them inline); one larger than DISCORD_UPLOAD_LIMIT_BYTES (Discord's limit for a
bot without a boosted server) fails the delivery with that reason instead of a 413.
Each part Discord accepted is recorded, so a retry after a failure halfway posts only the
rest; a nonce per part covers the moment between Discord's answer and our record."""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from blockdesk.connectors.contract import DeliveryFailed, SendResult
from blockdesk.connectors.discord import rest
from blockdesk.connectors.discord.models import DiscordChannel, DiscordRoute, DiscordSentPart
from blockdesk.conversations.models import Attachment, ContactIdentity, Message


def _target(channel: DiscordChannel, message: Message) -> str:
    route = (
        DiscordRoute.objects.filter(channel=channel, conversation_id=message.conversation_id)
        .order_by("-updated_at", "-pk")
        .first()
    )
    if route is not None:
        return route.discord_channel_id
    # A case without a Discord place (its thread could not be made): the customer's DMs.
    user_id = (
        ContactIdentity.objects.filter(
            contact_id=message.conversation.contact_id, kind=ContactIdentity.Kind.DISCORD
        )
        .values_list("value", flat=True)
        .first()
    )
    if not user_id:
        raise DeliveryFailed(_("The customer has no Discord account."), retryable=False)
    dm = rest.open_dm(channel.bot_token, user_id)
    DiscordRoute.objects.create(
        channel=channel, kind=DiscordRoute.Kind.DM, discord_channel_id=dm, user_id=user_id,
        conversation_id=message.conversation_id,
    )  # fmt: skip
    return dm


def send_reply(*, channel: DiscordChannel, message: Message) -> SendResult:
    if not channel.bot_token:
        raise DeliveryFailed(_("The Discord bot has no token."), retryable=False)
    parts: list[str | Attachment] = [*channel.format_outbound(message.content)]
    files = list(message.attachments.order_by("pk"))
    limit = settings.DISCORD_UPLOAD_LIMIT_BYTES
    for attachment in files:
        if attachment.size > limit:
            raise DeliveryFailed(
                _("%(name)s is larger than Discord's limit of %(limit)s.")
                % {"name": attachment.filename, "limit": filesizeformat(limit)},
                retryable=False,
            )
    parts.extend(files)
    target = _target(channel, message)
    done = dict(
        DiscordSentPart.objects.filter(message=message).values_list("index", "discord_message_id")
    )
    ids: list[str] = []
    for index, part in enumerate(parts):
        if index in done:
            ids.append(done[index])
            continue
        nonce = f"bd{message.pk}p{index}"
        if isinstance(part, str):
            sent = rest.create_message(channel.bot_token, target, part, nonce=nonce)
        else:
            with part.file.open("rb") as handle:
                data = handle.read()
            sent = rest.create_file_message(
                channel.bot_token,
                target,
                filename=part.filename,
                data=data,
                content_type=part.content_type,
                nonce=nonce,
            )
        discord_id = str(sent.get("id") or "")
        DiscordSentPart.objects.get_or_create(
            message=message, index=index, defaults={"discord_message_id": discord_id}
        )
        ids.append(discord_id)
    return SendResult(platform_message_id=ids[0] if ids else "")
