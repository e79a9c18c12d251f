"""A public reply in an X case: a DM when the customer last wrote by DM, else a reply
post to their latest mention. A post holds 280 characters (X weighs CJK characters and
most emoji double, so text with any of them is cut at 140); a longer reply becomes a
thread of replies, or is refused clearly when the inbox says so. Each part X accepted is
recorded: a retry sends only the rest.

Attachments follow the text, each uploaded (X's v2 media upload) and sent as its own DM
or reply post. X carries images (JPEG, PNG, GIF, WebP) up to X_MEDIA_LIMIT_BYTES; a
reply with another kind of file, or a larger one, is refused before anything is sent."""

from __future__ import annotations

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from blockdesk.connectors.contract import DeliveryFailed, MessageTooLong, SendResult, split_text
from blockdesk.connectors.x import api
from blockdesk.connectors.x.models import XChannel, XRoute, XSentPart
from blockdesk.conversations.models import Attachment, Message

POST_LIMIT = 280
DM_LIMIT = 10_000
MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def _light(char: str) -> bool:
    """X's weighted length counts these ranges as 1 and everything else as 2."""
    code = ord(char)
    return code <= 4351 or 8192 <= code <= 8205 or 8208 <= code <= 8223 or 8242 <= code <= 8247


def post_parts(text: str, *, allow_thread: bool) -> list[str]:
    limit = POST_LIMIT if all(_light(c) for c in text) else POST_LIMIT // 2
    if len(text) <= limit:
        return [text]
    if not allow_thread:
        raise MessageTooLong(
            _("The reply is longer than one post on X (%(max)d characters).") % {"max": limit}
        )
    parts = split_text(text, limit - 6)
    return [f"{p} {i}/{len(parts)}" for i, p in enumerate(parts, start=1)]


def _check_media(files: list[Attachment]) -> None:
    limit = settings.X_MEDIA_LIMIT_BYTES
    for attachment in files:
        if attachment.content_type not in MEDIA_TYPES:
            raise DeliveryFailed(
                _("X carries images only: %(name)s cannot be sent there.")
                % {"name": attachment.filename},
                retryable=False,
            )
        if attachment.size > limit:
            raise DeliveryFailed(
                _("%(name)s is larger than X's limit of %(limit)s.")
                % {"name": attachment.filename, "limit": filesizeformat(limit)},
                retryable=False,
            )


def _send(
    channel: XChannel, route: XRoute, previous: str, part: str | Attachment, *, is_dm: bool
) -> str:
    text = part if isinstance(part, str) else ""
    media_id = ""
    if isinstance(part, Attachment):
        with part.file.open("rb") as handle:
            data = handle.read()
        media_id = api.upload_media(
            channel, filename=part.filename, data=data, content_type=part.content_type,
            for_dm=is_dm,
        )  # fmt: skip
    if is_dm:
        return api.send_dm(channel, route.participant_id, text, media_id=media_id)
    return api.post_reply(channel, previous, text, media_id=media_id)


def send_reply(*, channel: XChannel, message: Message) -> SendResult:
    if not channel.configured:
        raise DeliveryFailed(_("The X inbox is not configured."), retryable=False)
    route = XRoute.objects.filter(channel=channel, conversation_id=message.conversation_id).first()
    if route is None:
        raise DeliveryFailed(_("This case has no X conversation to answer."), retryable=False)
    text = message.content.strip()
    is_dm = route.kind == XRoute.Kind.DM
    files = list(message.attachments.order_by("pk"))
    _check_media(files)
    parts: list[str | Attachment] = []
    if text:
        parts.extend(split_text(text, DM_LIMIT) if is_dm
                     else post_parts(text, allow_thread=channel.thread_long_replies))  # fmt: skip
    parts.extend(files)
    if not parts:
        raise DeliveryFailed(_("The reply is empty."), retryable=False)
    done = dict(XSentPart.objects.filter(message=message).values_list("index", "platform_id"))
    ids: list[str] = []
    previous = route.reply_to_post_id
    for index, part in enumerate(parts):
        if index not in done:
            sent = _send(channel, route, previous, part, is_dm=is_dm)
            XSentPart.objects.get_or_create(message=message, index=index,
                                            defaults={"platform_id": sent})  # fmt: skip
            done[index] = sent
        ids.append(done[index])
        previous = done[index]  # the thread goes on from the part just posted
    return SendResult(platform_message_id=ids[0] if ids else "")
