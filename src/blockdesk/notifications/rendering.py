"""The reply email itself: subject, plain text and HTML (autoescaped templates), threading
headers, in the customer's language, with their anti-phishing code when they set one."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from blockdesk.connectors.email import threading as email_threading
from blockdesk.connectors.email.models import EmailChannel
from blockdesk.conversations.models import Conversation, Message
from blockdesk.conversations.serializers import sender_name
from blockdesk.trust.selectors import anti_phishing_code_for


def _mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def thread_id(conversation: Conversation) -> str:
    """The root Message-ID every email of this conversation refers to, so clients thread."""
    return f"<blockdesk.conversation.{conversation.pk}@{_mail_domain()}>"


def mask_email(address: str) -> str:
    """a***@example.com: enough for an agent to recognise, not to harvest."""
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _continue_url(conversation: Conversation) -> str:
    # Where the chat lives (the widget on the customer-facing site); the help center otherwise.
    # No token in the link: the visitor's browser already holds its own.
    website = getattr(conversation.inbox.channel, "website_url", "") or ""
    return website or settings.PUBLIC_URL.rstrip("/") + "/help/"


def _reply_to(conversation: Conversation) -> str | None:
    """The account's first email inbox, whose mailbox reads replies (threaded into this
    conversation by the case token in our Message-ID); None: replies are not read."""
    channel = (
        EmailChannel.objects.filter(inbox__account_id=conversation.account_id)
        .order_by("pk")
        .first()
    )
    if channel is None:
        return None
    if channel.plus_addressing:
        return email_threading.plus_address(channel.from_address, conversation.pk)
    return channel.from_address


def reply_email(
    *, conversation: Conversation, messages: Sequence[Message]
) -> EmailMultiAlternatives:
    contact = conversation.contact
    language = contact.locale or settings.LANGUAGE_CODE
    code = anti_phishing_code_for(contact)
    reply_to = _reply_to(conversation)
    with translation.override(language), timezone.override("UTC"):
        context = {
            "account_name": conversation.account.name,
            "number": conversation.display_id,
            "code": code,
            "items": [
                {
                    "sender": sender_name(m),
                    "time": m.created_at,
                    "content": m.content,
                }
                for m in messages
            ],
            "continue_url": _continue_url(conversation),
            "language": language,
            "replies_read": reply_to is not None,
        }
        subject = _("[Case #%(number)s] New reply from %(name)s support") % {
            "number": conversation.display_id,
            "name": conversation.account.name,
        }
        text = render_to_string("notifications/reply_email.txt", context)
        html = render_to_string("notifications/reply_email.html", context)
    root = thread_id(conversation)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[conversation.followup_email],
        headers={
            # Carries the case token: a reply lands in this conversation (connectors/email).
            "Message-ID": email_threading.message_id_for(
                conversation_id=conversation.pk, message_id=messages[-1].pk, domain=_mail_domain()
            ),
            "In-Reply-To": root,
            "References": root,
            "Auto-Submitted": "auto-generated",
        },
    )
    if reply_to is not None:
        email.reply_to = [reply_to]
    email.attach_alternative(html, "text/html")
    return email
