"""What the bot receives, after payloads.py normalised it: a direct message, a question in
the support channel (a new thread), a message in a case's thread or forum post, and the
`/support` command. Each becomes a customer message through `contract_inbound.do_receive`
(the secret guard runs there before anything is stored); members with a staff role are
not customers, their messages are not stored as the customer's.

A secret in a public channel is public already: the bot deletes the message when it may,
and warns the sender either way."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from blockdesk.common.errors import Conflict, ValidationFailed
from blockdesk.connectors.contract import DeliveryFailed, InboundAttachment, InboundMessage
from blockdesk.connectors.contract_inbound import Received, do_receive, idempotency_key
from blockdesk.connectors.discord import payloads, rest
from blockdesk.connectors.discord.models import DiscordChannel, DiscordRoute, DiscordSeen
from blockdesk.conversations import identity_links
from blockdesk.conversations.models import ContactIdentity, Conversation, Message
from blockdesk.safety.fields import redact_free_text

logger = logging.getLogger(__name__)

Route = DiscordRoute.Kind
CDN_HOSTS = frozenset({"cdn.discordapp.com", "media.discordapp.net"})


def _remember(
    channel: DiscordChannel,
    kind: str,
    discord_channel_id: str,
    user_id: str,
    conversation: Conversation,
) -> None:
    DiscordRoute.objects.update_or_create(
        channel=channel, kind=kind, discord_channel_id=discord_channel_id,
        conversation=conversation, defaults={"user_id": user_id},
    )  # fmt: skip


def _attachments(message: payloads.IncomingMessage) -> list[InboundAttachment]:
    """Files from Discord's CDN only (a URL elsewhere is not fetched), within the widget's
    size limit; the others are left out (the text says what was sent)."""
    kept: list[InboundAttachment] = []
    for item in message.attachments[:10]:
        host = urlsplit(item.url).hostname or ""
        if host not in CDN_HOSTS and not item.url.startswith(settings.DISCORD_CDN_BASE or "\0"):
            continue
        if item.size > settings.ATTACHMENT_MAX_BYTES:
            continue
        data = rest.download(item.url, limit=settings.ATTACHMENT_MAX_BYTES)
        if data is not None:
            kept.append(InboundAttachment(item.filename, item.content_type, data))
    return kept


def _inbound(
    message: payloads.IncomingMessage, *, thread_conversation_id: int | None, continue_latest: bool
) -> InboundMessage:
    return InboundMessage(
        identity_kind=ContactIdentity.Kind.DISCORD,
        identity_value=message.author.id,
        display_name=message.author.display_name or message.author.username,
        text=message.content,
        platform_message_id=message.id,
        thread_conversation_id=thread_conversation_id,
        continue_latest=continue_latest,
        attachments=_attachments(message),
        metadata={
            "discord": {
                "channel_id": message.channel_id,
                "message_id": message.id,
                "username": message.author.username,
            }
        },
    )


def _guard_public(channel: DiscordChannel, message: payloads.IncomingMessage) -> bool:
    """A secret posted in a server channel: delete it when the bot may, warn the sender.
    True when it was deleted (no thread can then start from it)."""
    findings = redact_free_text(message.content, account_id=channel.inbox.account_id)[1]
    if not findings:
        return False
    deleted = True
    try:
        rest.delete_message(channel.bot_token, message.channel_id, message.id)
    except DeliveryFailed:
        deleted = False  # no Manage Messages permission: the warning matters all the more
    warning = (
        _("<@%(user)s> your message looked like a wallet secret (a seed phrase or private key). "
          "We removed it, but others may have seen it: treat it as public and move your funds "
          "to a new wallet. Support will never ask for it.")
        if deleted
        else _("<@%(user)s> your message looked like a wallet secret (a seed phrase or private "
               "key) and is public in this channel: delete it, treat it as known to others and "
               "move your funds to a new wallet. Support will never ask for it.")
    ) % {"user": message.author.id}  # fmt: skip
    try:
        rest.create_message(channel.bot_token, message.channel_id, warning)
    except DeliveryFailed as exc:
        logger.warning("discord inbox %s: secret warning not sent: %s", channel.inbox_id, exc)
    return deleted


def _already_stored(channel: DiscordChannel, message_id: str) -> Message | None:
    key = idempotency_key(channel, message_id)
    return Message.objects.filter(
        conversation__inbox__account_id=channel.inbox.account_id, idempotency_key=key
    ).first()


def handle_message(channel: DiscordChannel, message: payloads.IncomingMessage) -> Received | None:
    author = message.author
    if author.bot or author.id == channel.bot_user_id:
        return None  # our own replies and other bots
    existing = _already_stored(channel, message.id)
    if existing is not None:
        return Received(existing, created=False)  # a replayed dispatch: nothing again
    if message.is_dm:
        received = do_receive(
            channel=channel,
            inbound=_inbound(message, thread_conversation_id=None, continue_latest=True),
        )
        _remember(channel, Route.DM, message.channel_id, author.id, received.message.conversation)
        return received
    if channel.guild_id and message.guild_id != channel.guild_id:
        return None
    if author.roles & channel.staff_roles():
        return None  # staff answer in the thread themselves: not the customer's words
    routes = list(
        DiscordRoute.objects.filter(
            channel=channel, kind=Route.THREAD, discord_channel_id=message.channel_id
        )
    )
    if not routes:
        if message.channel_id != channel.support_channel_id or channel.support_is_forum:
            return None  # another channel of the server (or a forum's own feed): not ours
        return _new_question(channel, message)
    mine = [r for r in routes if r.user_id == author.id and r.conversation_id]
    pending = [r for r in routes if r.conversation_id is None]
    _guard_public(channel, message)
    received = do_receive(
        channel=channel,
        inbound=_inbound(
            message,
            thread_conversation_id=mine[0].conversation_id if mine else None,
            continue_latest=False,
        ),
    )
    conversation = received.message.conversation
    if pending and not mine:  # the forum post's first message: the post is now this case
        DiscordRoute.objects.filter(pk=pending[0].pk).update(
            conversation=conversation, user_id=author.id
        )
    else:
        _remember(channel, Route.THREAD, message.channel_id, author.id, conversation)
    return received


def _new_question(channel: DiscordChannel, message: payloads.IncomingMessage) -> Received:
    """A message in the support text channel: a thread from it becomes the case."""
    deleted = _guard_public(channel, message)
    name = redact_free_text(message.content, account_id=channel.inbox.account_id)[0]
    name = f"{message.author.display_name or message.author.username}: {name}"[:90]
    try:
        if deleted:
            thread_id = rest.start_thread(channel.bot_token, message.channel_id, name,
                                          forum=False, content="")  # fmt: skip
        else:
            thread_id = rest.start_thread_from_message(
                channel.bot_token, message.channel_id, message.id, name
            )
    except DeliveryFailed as exc:
        # No thread (no permission, Discord down): the case still opens; replies then go
        # to the customer's DMs (outbound.py opens one).
        logger.warning("discord inbox %s: no thread for %s: %s", channel.inbox_id, message.id, exc)
        thread_id = ""
    received = do_receive(
        channel=channel,
        inbound=_inbound(message, thread_conversation_id=None, continue_latest=False),
    )
    if thread_id:
        _remember(
            channel, Route.THREAD, thread_id, message.author.id, received.message.conversation
        )
    return received


def handle_thread(channel: DiscordChannel, thread: payloads.ThreadCreated) -> bool:
    """A new post in the support forum: remembered, so its first message opens a case."""
    if not channel.support_is_forum or thread.parent_id != channel.support_channel_id:
        return False
    if DiscordRoute.objects.filter(channel=channel, discord_channel_id=thread.id).exists():
        return False
    DiscordRoute.objects.create(
        channel=channel, kind=Route.THREAD, discord_channel_id=thread.id, user_id=thread.owner_id
    )
    return True


def _ephemeral(text: str) -> dict[str, Any]:
    return {
        "type": payloads.CHANNEL_MESSAGE,
        "data": {"content": text, "flags": payloads.EPHEMERAL, "allowed_mentions": {"parse": []}},
    }


def _link(channel: DiscordChannel, user_id: str, token: str) -> str:
    """`/link token:<token>`: the widget's "Continue on Discord" token (identity_links,
    bound to the account and the kind "discord"). The Discord user becomes the widget
    contact's identity, proven; their next message here continues as that customer.
    Answered only to the sender (ephemeral), so a token is never shown to others."""
    try:
        identity_links.do_redeem_link_token(
            account_id=channel.inbox.account_id,
            kind=ContactIdentity.Kind.DISCORD,
            value=user_id,
            token=token.strip(),
        )
    except ValidationFailed:
        return _("This link has expired. Open the chat on our website to get a new one.")
    except Conflict:
        # A token can be passed on: an account with its own history is never pulled over
        # by one; an agent merges the two profiles if they are the same person.
        return _(
            "This Discord account already has conversations with us, so it was not "
            "connected automatically. Write to us here and our team will connect your history."
        )
    # No name or case in the answer: whoever holds a token learns nothing from it.
    return _(
        "Connected to your chat on our website: write to us with /support or in a direct "
        "message, and we see your earlier conversations."
    )


def handle_interaction(
    channel: DiscordChannel, interaction: payloads.Interaction
) -> dict[str, Any]:
    """The interaction's answer (the endpoint's response body, or the gateway callback)."""
    if interaction.type == payloads.PING:
        return {"type": payloads.PONG}
    author = interaction.author
    if interaction.type != payloads.APPLICATION_COMMAND or author is None:
        return _ephemeral(_("This command is not known here."))
    if interaction.command == payloads.LINK_COMMAND:
        return _ephemeral(_link(channel, author.id, str(interaction.options.get("token") or "")))
    if interaction.command != payloads.SUPPORT_COMMAND:
        return _ephemeral(_("This command is not known here."))
    question = str(interaction.options.get("question") or "").strip()
    if not question:
        return _ephemeral(_("Write your question after /support."))
    _seen, created = DiscordSeen.objects.get_or_create(channel=channel, event_id=interaction.id)
    if not created:
        return _ephemeral(_("We already have this question."))
    account_id = channel.inbox.account_id
    public_text = redact_free_text(question, account_id=account_id)[0]
    name = f"{author.display_name or author.username}: {public_text}"[:90]
    try:
        if interaction.guild_id and channel.support_channel_id:
            kind = Route.THREAD
            target = rest.start_thread(channel.bot_token, channel.support_channel_id, name,
                                       forum=channel.support_is_forum,
                                       content=f"<@{author.id}>: {public_text}")  # fmt: skip
            if not channel.support_is_forum:
                rest.create_message(channel.bot_token, target, f"<@{author.id}>: {public_text}")
            answer = _("Your question is in <#%(thread)s>: we answer there.") % {"thread": target}
        else:
            kind = Route.DM
            target = rest.open_dm(channel.bot_token, author.id)
            answer = _("We have your question and answer in a direct message.")
    except DeliveryFailed as exc:
        DiscordSeen.objects.filter(channel=channel, event_id=interaction.id).delete()
        logger.warning("discord inbox %s: /support failed: %s", channel.inbox_id, exc)
        return _ephemeral(_("Support could not open your case just now; try again in a minute."))
    received = do_receive(
        channel=channel,
        inbound=InboundMessage(
            identity_kind=ContactIdentity.Kind.DISCORD,
            identity_value=author.id,
            display_name=author.display_name or author.username,
            text=question,
            platform_message_id=f"interaction:{interaction.id}",
            metadata={"discord": {"interaction": interaction.id, "username": author.username}},
        ),
    )
    _remember(channel, kind, target, author.id, received.message.conversation)
    return _ephemeral(answer)
