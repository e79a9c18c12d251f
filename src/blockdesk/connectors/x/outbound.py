"""A public reply in an X case: a DM when the customer last wrote by DM, else a reply
post to their latest mention. A post holds 280 characters (X weighs CJK characters and
most emoji double, so text with any of them is cut at 140); a longer reply becomes a
thread of replies, or is refused clearly when the inbox says so. Each part X accepted is
recorded: a retry sends only the rest."""

from __future__ import annotations

from django.utils.translation import gettext as _

from blockdesk.connectors.contract import DeliveryFailed, MessageTooLong, SendResult, split_text
from blockdesk.connectors.x import api
from blockdesk.connectors.x.models import XChannel, XRoute, XSentPart
from blockdesk.conversations.models import Message

POST_LIMIT = 280
DM_LIMIT = 10_000


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


def send_reply(*, channel: XChannel, message: Message) -> SendResult:
    if not channel.configured:
        raise DeliveryFailed(_("The X inbox is not configured."), retryable=False)
    route = XRoute.objects.filter(channel=channel, conversation_id=message.conversation_id).first()
    if route is None:
        raise DeliveryFailed(_("This case has no X conversation to answer."), retryable=False)
    text = message.content.strip()
    is_dm = route.kind == XRoute.Kind.DM
    parts = (split_text(text, DM_LIMIT) if is_dm
             else post_parts(text, allow_thread=channel.thread_long_replies))  # fmt: skip
    done = dict(XSentPart.objects.filter(message=message).values_list("index", "platform_id"))
    ids: list[str] = []
    previous = route.reply_to_post_id
    for index, part in enumerate(parts):
        if index not in done:
            sent = (api.send_dm(channel, route.participant_id, part) if is_dm
                    else api.post_reply(channel, previous, part))  # fmt: skip
            XSentPart.objects.get_or_create(message=message, index=index,
                                            defaults={"platform_id": sent})  # fmt: skip
            done[index] = sent
        ids.append(done[index])
        previous = done[index]  # the thread goes on from the part just posted
    return SendResult(platform_message_id=ids[0] if ids else "")
