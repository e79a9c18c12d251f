"""Deliver: a public reply in a Telegram conversation goes back to the chat (and forum
topic) the customer last wrote from, as a reply to their message, in Telegram's HTML
markup split to 4096 characters, then each attachment as a photo, voice note or document.
Called by the delivery task (contract_delivery) through `TelegramChannel.send`.

Every part sent is recorded at once (TelegramMessageRef), so a retry after a failure
halfway (a 429 on the third part) sends only the parts that did not go out."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from telegram import InputFile, ReplyParameters
from telegram import Message as TgMessage

from blockdesk.connectors.contract import DeliveryFailed, SendResult
from blockdesk.connectors.telegram import api
from blockdesk.connectors.telegram.models import TelegramChannel, TelegramMessageRef, TelegramThread
from blockdesk.conversations.models import Attachment, Message

Ref = TelegramMessageRef
PHOTO_TYPES = frozenset({"image/png", "image/jpeg", "image/webp"})
VOICE_TYPES = frozenset({"audio/ogg"})


def _target(channel: TelegramChannel, message: Message) -> tuple[int, int, int | None]:
    """(chat_id, topic_id, the customer's message to reply to)."""
    last_in = (
        Ref.objects.filter(
            channel=channel, conversation_id=message.conversation_id, direction=Ref.Direction.IN
        )
        .order_by("-pk")
        .first()
    )
    if last_in is not None:
        return last_in.chat_id, last_in.topic_id, last_in.telegram_message_id
    thread = (
        TelegramThread.objects.filter(channel=channel, conversation_id=message.conversation_id)
        .order_by("-updated_at")
        .first()
    )
    if thread is not None:
        return thread.chat_id, thread.topic_id, None
    raise DeliveryFailed(_("No Telegram chat belongs to this conversation."), retryable=False)


def _sender(
    chat_id: int, topic_id: int, reply_to: int | None, part: str | Attachment
) -> api.Callable[[api.Bot], api.Awaitable[TgMessage]]:
    common = {
        "chat_id": chat_id,
        "message_thread_id": topic_id or None,
        "reply_parameters": (
            ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if reply_to
            else None
        ),
    }
    if isinstance(part, str):
        return lambda bot: bot.send_message(text=part, parse_mode="HTML", **common)  # type: ignore[arg-type]
    with part.file.open("rb") as handle:
        data = handle.read()
    upload = InputFile(data, filename=part.filename)
    if part.content_type in PHOTO_TYPES:
        return lambda bot: bot.send_photo(photo=upload, **common)  # type: ignore[arg-type]
    if part.content_type in VOICE_TYPES:
        return lambda bot: bot.send_voice(voice=upload, **common)  # type: ignore[arg-type]
    return lambda bot: bot.send_document(document=upload, **common)  # type: ignore[arg-type]


def send_reply(*, channel: TelegramChannel, message: Message) -> SendResult:
    chat_id, topic_id, reply_to = _target(channel, message)
    parts: list[str | Attachment] = [*channel.format_outbound(message.content)]
    parts.extend(message.attachments.order_by("pk"))
    done = dict(
        Ref.objects.filter(
            channel=channel, message=message, direction=Ref.Direction.OUT
        ).values_list("part", "telegram_message_id")
    )
    for index, part in enumerate(parts):
        if index in done:
            continue  # sent by an earlier attempt
        try:
            sent = api.call(channel.bot_token, _sender(chat_id, topic_id, reply_to, part))
        except api.ApiFailure as exc:
            raise DeliveryFailed(
                exc.reason, retryable=exc.retryable, retry_after=exc.retry_after
            ) from None
        done[index] = sent.message_id
        try:
            with transaction.atomic():
                Ref.objects.create(
                    channel=channel,
                    chat_id=chat_id,
                    topic_id=topic_id,
                    telegram_message_id=sent.message_id,
                    direction=Ref.Direction.OUT,
                    message=message,
                    conversation_id=message.conversation_id,
                    part=index,
                )
        except IntegrityError:
            pass
    if not done:
        raise DeliveryFailed(_("The reply is empty."), retryable=False)
    return SendResult(platform_message_id=f"{chat_id}:{done[min(done)]}")
