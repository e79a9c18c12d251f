"""The widget's "continue on Telegram" link: https://t.me/<bot>?start=<token>.

The token is random, single-use and short-lived, and only a signed-in widget customer
gets one for their own case; whoever opens it in a private chat with the bot therefore
holds that widget session, so their Telegram identity is proven and linked to the
contact, and the chat continues the same case: the customer's messages land in it, and
agents' replies go to the chat too (a LinkedChannel, read by the deliveries consumer)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.common.errors import Conflict, NotFound, ValidationFailed
from blockdesk.connectors.linked_channels import do_link_channel
from blockdesk.connectors.telegram.models import TelegramChannel, TelegramLinkToken, TelegramThread
from blockdesk.conversations import contact_services, identity_links
from blockdesk.conversations.models import Contact, ContactIdentity, Conversation
from blockdesk.events.registry import Actor

LINK_TTL = dt.timedelta(minutes=30)


def link_url(channel: TelegramChannel, token: str) -> str:
    return f"https://t.me/{channel.bot_username}?start={token}"


def do_create_link(*, contact: Contact, conversation: Conversation) -> tuple[TelegramChannel, str]:
    """The caller has checked that the conversation is the signed-in contact's own."""
    if conversation.contact_id != contact.pk:
        raise NotFound()
    channel = (
        TelegramChannel.objects.filter(inbox__account_id=contact.account_id)
        .exclude(bot_username="")
        .order_by("pk")
        .first()
    )
    if channel is None:
        raise NotFound(_("Telegram is not set up for this support team."))
    token = secrets.token_urlsafe(24)  # 32 characters of A-Z a-z 0-9 _ -
    TelegramLinkToken.objects.create(
        channel=channel,
        token=token,
        contact=contact,
        conversation=conversation,
        expires_at=timezone.now() + LINK_TTL,
    )
    return channel, token


def do_redeem_link(
    *, channel: TelegramChannel, token: str, chat_id: int, user_id: int
) -> int | None:
    """Links the Telegram user to the token's contact and maps this private chat to the
    case. Returns the conversation id, or None for an unknown, used or expired token."""
    now = timezone.now()
    with transaction.atomic():
        claimed = TelegramLinkToken.objects.filter(
            channel=channel, token=token[:64], used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
        if not claimed:
            return None
        link = TelegramLinkToken.objects.select_related("contact", "conversation").get(
            channel=channel, token=token[:64]
        )
        contact = link.contact
        actor = Actor.system()
        identity = ContactIdentity.objects.filter(
            account_id=contact.account_id, kind=ContactIdentity.Kind.TELEGRAM, value=str(user_id)
        ).first()
        if identity is None:
            contact_services.do_link_identity(
                contact=contact, kind=ContactIdentity.Kind.TELEGRAM, value=str(user_id), actor=actor
            )
        elif identity.contact_id != contact.pk:
            # Proven by the widget session: the identity now recognises this contact.
            contact_services.do_move_identity(identity=identity, contact=contact, actor=actor)
        TelegramThread.objects.update_or_create(
            channel=channel,
            chat_id=chat_id,
            topic_id=0,
            user_id=user_id,
            defaults={"conversation_id": link.conversation_id},
        )
        # Agents' replies in the (widget) case now also reach this chat.
        do_link_channel(
            conversation=link.conversation, inbox=channel.inbox, address=f"telegram:{chat_id}"
        )
    return link.conversation_id


def do_redeem_profile_link(*, channel: TelegramChannel, token: str, user_id: int) -> str:
    """The widget menu's "Continue on Telegram" token (`identity_links`, bound to the
    account and the kind "telegram", not to a case): the Telegram user becomes the widget
    contact's identity, proven; their next message opens or continues a case of that
    contact here. Returns "" when linked, else the reason to tell the sender."""
    try:
        identity_links.do_redeem_link_token(
            account_id=channel.inbox.account_id,
            kind=ContactIdentity.Kind.TELEGRAM,
            value=str(user_id),
            token=token,
        )
    except ValidationFailed:
        return _("This link has expired. Open the chat on our website to get a new one.")
    except Conflict:
        # This Telegram account already has its own history with us: a token (which could
        # have been passed on) never pulls it over; an agent can merge the two profiles.
        return _(
            "This Telegram account already has conversations with us, so it was not "
            "connected automatically. Write here and our team will connect your history."
        )
    return ""
