"""Receive: one Bot API update (from the webhook or getUpdates) becomes a customer
message through the channel contract (`contract_inbound.do_receive`).

In order: a replayed update_id is a no-op; the secret guard scans the text before
anything is stored, and in a group the bot deletes such a message (when it may) and warns
the sender that the phrase is now public; in groups only messages addressed to the bot
open or continue a case (unless the inbox takes every message); a `/start <token>` deep
link links a signed-in widget customer; files are fetched within the widget's limits;
the case is the one the customer replied to (a reply to the bot), else the sender's open
case in that chat (or forum topic), else a new one."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from telegram import Message as TgMessage
from telegram import MessageEntity, Update

from blockdesk.common.errors import ValidationFailed
from blockdesk.connectors.contract import InboundAttachment, InboundMessage
from blockdesk.connectors.contract_inbound import do_receive
from blockdesk.connectors.telegram import api
from blockdesk.connectors.telegram.deeplink import do_redeem_link, do_redeem_profile_link
from blockdesk.connectors.telegram.models import (
    TelegramChannel,
    TelegramMessageRef,
    TelegramThread,
    TelegramUpdate,
)
from blockdesk.conversations.models import ContactIdentity, Conversation
from blockdesk.safety.fields import redact_free_text
from blockdesk.safety.secret_guard import warning as secret_warning

logger = logging.getLogger(__name__)

GROUPS = ("group", "supergroup")
Status = TelegramUpdate.Status


@dataclass(frozen=True)
class Handled:
    status: str  # stored, ignored, linked, duplicate
    message_id: int | None = None
    conversation_id: int | None = None


def _language(code: str | None) -> str:
    code = (code or "").lower()
    return "zh-hans" if code.startswith("zh") else "en"


def _addressed(channel: TelegramChannel, msg: TgMessage) -> bool:
    """In a group: a mention of the bot, a reply to it, or its command."""
    if channel.group_policy == TelegramChannel.GroupPolicy.EVERY:
        return True
    reply = msg.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == channel.bot_id:
        return True
    username = channel.bot_username.lower()
    for entity, text in {**msg.parse_entities(), **msg.parse_caption_entities()}.items():
        if entity.type == MessageEntity.MENTION and text.lower() == f"@{username}":
            return True
        mentioned = entity.user.id if entity.user is not None else None
        if entity.type == MessageEntity.TEXT_MENTION and mentioned == channel.bot_id:
            return True
        if entity.type == MessageEntity.BOT_COMMAND:
            # "/help@our_bot", or a bare "/help" (Telegram sends bare commands only to
            # bots in the group that may read them).
            target = text.partition("@")[2].lower()
            if not target or target == username:
                return True
    return False


def _clean_text(channel: TelegramChannel, text: str) -> str:
    if channel.bot_username:
        for form in (f"@{channel.bot_username}", f"@{channel.bot_username.lower()}"):
            text = text.replace(form, "")
    return text.strip()


def _guard_group(
    channel: TelegramChannel, msg: TgMessage, chat_id: int, topic_id: int, language: str
) -> None:
    """A secret in a group: delete it when the bot is an admin with that right, and warn
    the sender (by mention) that everyone in the group may have seen it."""
    token = channel.bot_token
    try:
        deleted = api.call(
            token, lambda bot: bot.delete_message(chat_id=chat_id, message_id=msg.message_id)
        )
    except api.ApiFailure as exc:
        logger.info("telegram: could not delete a message with a secret: %s", exc.reason)
        deleted = False
    user = msg.from_user
    name = user.mention_html() if user is not None else ""
    with translation.override(language):
        lines = [secret_warning(language)]
        if deleted:
            lines.append(_("We deleted your message from this group."))
        lines.append(
            _(
                "This is a group: the phrase is now public. Treat it as compromised and "
                "move your funds to a new wallet now."
            )
        )
    text = f"{name} " + "\n".join(_esc(line) for line in lines)
    try:
        api.call(
            token,
            lambda bot: bot.send_message(
                chat_id=chat_id,
                text=text,
                parse_mode="HTML",
                message_thread_id=topic_id or None,
                reply_to_message_id=None if deleted else msg.message_id,
                allow_sending_without_reply=True,
            ),
        )
    except api.ApiFailure as exc:
        logger.warning("telegram: the secret warning was not sent: %s", exc.reason)


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def _files(channel: TelegramChannel, msg: TgMessage) -> tuple[list[InboundAttachment], list[str]]:
    """The message's photo, document or voice note, fetched unless Telegram already says
    it is larger than the widget allows (then only its name is kept, with the reason)."""
    wanted: list[tuple[str, str, str, int]] = []  # file_id, name, type, size
    if msg.photo:
        best = msg.photo[-1]  # the largest size Telegram made
        wanted.append(
            (best.file_id, f"photo_{msg.message_id}.jpg", "image/jpeg", best.file_size or 0)
        )
    if msg.document is not None:
        doc = msg.document
        wanted.append(
            (
                doc.file_id,
                doc.file_name or "file",
                doc.mime_type or "application/octet-stream",
                doc.file_size or 0,
            )
        )
    if msg.voice is not None:
        voice = msg.voice
        wanted.append(
            (
                voice.file_id,
                f"voice_{msg.message_id}.ogg",
                voice.mime_type or "audio/ogg",
                voice.file_size or 0,
            )
        )
    kept: list[InboundAttachment] = []
    refused: list[str] = []
    for file_id, name, content_type, size in wanted:
        if size > settings.ATTACHMENT_MAX_BYTES:
            refused.append(name)
            continue

        async def fetch(bot: api.Bot, file_id: str = file_id) -> bytes:
            remote = await bot.get_file(file_id)
            return bytes(await remote.download_as_bytearray())

        try:
            data = api.call(channel.bot_token, fetch)
        except api.ApiFailure as exc:
            logger.warning("telegram: file not fetched: %s", exc.reason)
            refused.append(name)
            continue
        kept.append(InboundAttachment(filename=name, content_type=content_type, data=data))
    return kept, refused


def _thread(
    channel: TelegramChannel, msg: TgMessage, chat_id: int, topic_id: int, user_id: int
) -> int | None:
    """The conversation this message continues, if any."""
    reply = msg.reply_to_message
    if reply is not None and reply.from_user is not None and reply.from_user.id == channel.bot_id:
        ref = (
            TelegramMessageRef.objects.filter(
                channel=channel, chat_id=chat_id, telegram_message_id=reply.message_id
            )
            .values_list("conversation_id", flat=True)
            .first()
        )
        if ref is not None:
            return ref
    thread = (
        TelegramThread.objects.filter(
            channel=channel, chat_id=chat_id, topic_id=topic_id, user_id=user_id
        )
        .exclude(conversation__status=Conversation.Status.RESOLVED)
        .values_list("conversation_id", flat=True)
        .first()
    )
    return thread


def _record(channel: TelegramChannel, update_id: int, status: str) -> None:
    # A racing delivery of the same update may have recorded it first: no error.
    TelegramUpdate.objects.bulk_create(
        [TelegramUpdate(channel=channel, update_id=update_id, status=status)],
        ignore_conflicts=True,
    )


def handle_update(*, channel: TelegramChannel, payload: dict[str, Any]) -> Handled:
    """Handles one update (see the module docstring). Raises ValidationFailed for a
    payload that is no update."""
    update_id = payload.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        raise ValidationFailed(_("This is not a Telegram update."), code="bad_update")
    if TelegramUpdate.objects.filter(channel=channel, update_id=update_id).exists():
        return Handled("duplicate")
    try:
        update = Update.de_json(payload, None)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(_("This is not a Telegram update."), code="bad_update") from exc
    msg = update.message
    user = msg.from_user if msg is not None else None
    if msg is None or user is None or user.is_bot:
        # Edits, channel posts, joins and the like open no case.
        _record(channel, update_id, Status.IGNORED)
        return Handled(Status.IGNORED)
    chat = msg.chat
    chat_id, group = chat.id, chat.type in GROUPS
    topic_id = msg.message_thread_id if (chat.is_forum and msg.is_topic_message) else 0
    topic_id = topic_id or 0
    raw_text = msg.text or msg.caption or ""
    account_id = channel.inbox.account_id
    # The guard, before anything is stored (the conversations service redacts the text
    # again and flags the case when it is stored).
    findings = redact_free_text(raw_text, account_id=account_id)[1]
    if findings and group:
        _guard_group(channel, msg, chat_id, topic_id, _language(user.language_code))
    if not group and raw_text.startswith("/start"):
        return _start(channel, msg, update_id, raw_text)
    if group and not _addressed(channel, msg):
        _record(channel, update_id, Status.IGNORED)
        return Handled(Status.IGNORED)
    attachments, refused = _files(channel, msg)
    meta: dict[str, Any] = {
        "chat_id": chat_id,
        "chat_type": chat.type,
        "message_id": msg.message_id,
    }
    if group:
        meta["chat_title"] = chat.title or ""
    if topic_id:
        meta["topic_id"] = topic_id
    if user.username:
        meta["username"] = user.username
    if refused:
        meta["too_large"] = refused
    if findings and group:
        meta["secret_in_group"] = True
    inbound = InboundMessage(
        identity_kind=ContactIdentity.Kind.TELEGRAM,
        identity_value=str(user.id),
        text=_clean_text(channel, raw_text),
        display_name=user.full_name,
        platform_message_id=f"{chat_id}:{msg.message_id}",
        thread_conversation_id=_thread(channel, msg, chat_id, topic_id, user.id),
        attachments=attachments,
        metadata={"telegram": meta},
    )
    with transaction.atomic():
        received = do_receive(channel=channel, inbound=inbound)
        message = received.message
        if received.created:
            # One upsert statement each (no savepoints): this runs under the write lock.
            TelegramMessageRef.objects.bulk_create(
                [
                    TelegramMessageRef(
                        channel=channel,
                        chat_id=chat_id,
                        topic_id=topic_id,
                        telegram_message_id=msg.message_id,
                        direction=TelegramMessageRef.Direction.IN,
                        message=message,
                        conversation_id=message.conversation_id,
                    )
                ],
                ignore_conflicts=True,
            )
            TelegramThread.objects.bulk_create(
                [
                    TelegramThread(
                        channel=channel,
                        chat_id=chat_id,
                        topic_id=topic_id,
                        user_id=user.id,
                        conversation_id=message.conversation_id,
                        updated_at=timezone.now(),
                    )
                ],
                update_conflicts=True,
                unique_fields=["channel", "chat_id", "topic_id", "user_id"],
                update_fields=["conversation", "updated_at"],
            )
        _record(channel, update_id, Status.STORED)
    return Handled(Status.STORED, message.pk, message.conversation_id)


def _start(channel: TelegramChannel, msg: TgMessage, update_id: int, text: str) -> Handled:
    """`/start` in a private chat: with a token, the widget's deep link (a case's, from
    deeplink.do_create_link, or the widget menu's profile link); without, a greeting (it
    opens no case: the customer's next message does)."""
    user = msg.from_user
    assert user is not None
    token = text.removeprefix("/start").strip()
    language = _language(user.language_code)
    linked = (
        do_redeem_link(channel=channel, token=token, chat_id=msg.chat.id, user_id=user.id)
        if token
        else None
    )
    profile_linked = False
    with translation.override(language):
        if linked is not None:
            reply = _("You are connected. Write here to continue your support case.")
        elif token:
            refusal = do_redeem_profile_link(channel=channel, token=token, user_id=user.id)
            profile_linked = not refusal
            reply = refusal or _(
                "You are connected: your conversations on our website and here are now one "
                "history. Write your question here and our support team will answer."
            )
        else:
            reply = _("Hello! Write your question here and our support team will answer.")
    try:
        api.call(channel.bot_token, lambda bot: bot.send_message(chat_id=msg.chat.id, text=reply))
    except api.ApiFailure as exc:
        logger.warning("telegram: greeting not sent: %s", exc.reason)
    status = Status.LINKED if linked is not None or profile_linked else Status.IGNORED
    _record(channel, update_id, status)
    return Handled(status, conversation_id=linked)


def mark_polled(channel: TelegramChannel, *, last_update_id: int, error: str = "") -> None:
    TelegramChannel.objects.filter(pk=channel.pk).update(
        last_update_id=max(last_update_id, channel.last_update_id),
        last_polled_at=timezone.now(),
        last_error=error[:300],
    )
