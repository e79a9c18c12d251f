"""A public reply in an email conversation, as a mail: the inbox's From address and
signature, threading headers (Message-ID carrying the case token, In-Reply-To and
References to the customer's mails), plain and HTML parts, the customer's anti-phishing
code, over the inbox's own SMTP server or the site's EMAIL_URL. Called by the delivery
task (contract_delivery) through `EmailChannel.send`."""

from __future__ import annotations

import smtplib
from email.utils import formataddr

import markdown as md
import nh3
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from blockdesk.common.email_url import EmailUrlError, parse_email_url
from blockdesk.connectors.contract import DeliveryFailed, SendResult
from blockdesk.connectors.email import threading
from blockdesk.connectors.email.hooks import anti_phishing_code
from blockdesk.connectors.email.models import EmailChannel, EmailReceipt
from blockdesk.conversations.models import ContactIdentity, Conversation, Message
from blockdesk.conversations.serializers import sender_name

_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "hr", "i", "li",
    "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
MAX_REFERENCES = 20


def markdown_to_html(text: str) -> str:
    """The agent's Markdown as mail HTML: an allow-list of tags, no images (nothing
    remote loads when the customer opens it), links http(s)/mailto only."""
    html = md.markdown(text, extensions=["sane_lists", "fenced_code", "tables", "nl2br"])
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
        strip_comments=True,
    )


def recipient(conversation: Conversation) -> str:
    identity = (
        ContactIdentity.objects.filter(
            contact_id=conversation.contact_id, kind=ContactIdentity.Kind.EMAIL
        )
        .order_by("pk")
        .values_list("value", flat=True)
        .first()
    )
    return identity or conversation.contact.email or conversation.followup_email


def _connection(channel: EmailChannel) -> BaseEmailBackend:
    if not channel.smtp_url:
        return get_connection(fail_silently=False)
    try:
        conf = parse_email_url(channel.smtp_url, default_dir=settings.DATA_DIR / "mail")
    except EmailUrlError as exc:
        raise DeliveryFailed(_("The inbox's SMTP address is invalid."), retryable=False) from exc
    return get_connection(
        backend=conf["EMAIL_BACKEND"],
        fail_silently=False,
        host=conf.get("EMAIL_HOST"),
        port=conf.get("EMAIL_PORT"),
        username=conf.get("EMAIL_HOST_USER"),
        password=conf.get("EMAIL_HOST_PASSWORD"),
        use_tls=conf.get("EMAIL_USE_TLS"),
        use_ssl=conf.get("EMAIL_USE_SSL"),
        timeout=conf.get("EMAIL_TIMEOUT"),
    )


def _answers_automatic_mail(message: Message) -> bool:
    """An assistant or system reply to an auto-reply, bounce or list mail: the loop that
    must never start."""
    if message.sender_type == Message.SenderType.AGENT:
        return False
    last_inbound = (
        Message.objects.filter(
            conversation_id=message.conversation_id,
            sender_type=Message.SenderType.CONTACT,
            pk__lt=message.pk,
        )
        .order_by("-pk")
        .values_list("metadata", flat=True)
        .first()
    )
    return bool(((last_inbound or {}).get("channel") or {}).get("no_reply"))


def _references(channel: EmailChannel, conversation: Conversation) -> list[str]:
    ids = list(
        EmailReceipt.objects.filter(channel=channel, conversation=conversation)
        .order_by("-pk")
        .values_list("header_id", flat=True)[:MAX_REFERENCES]
    )
    return list(reversed(ids))


def build_reply(*, channel: EmailChannel, message: Message) -> EmailMultiAlternatives:
    conversation = message.conversation
    contact = conversation.contact
    to = recipient(conversation)
    if not to:
        raise DeliveryFailed(_("The customer has no email address."), retryable=False)
    domain = threading.mail_domain(channel.from_address)
    own_id = threading.message_id_for(
        conversation_id=conversation.pk, message_id=message.pk, domain=domain
    )
    refs = _references(channel, conversation)
    language = contact.locale or settings.LANGUAGE_CODE
    with translation.override(language):
        subject_base = conversation.subject or _("Your request")
        if not subject_base.lower().startswith("re:"):
            subject_base = "Re: " + subject_base
        subject = f"{subject_base} {threading.subject_tag(conversation.pk)}"
        context = {
            "code": anti_phishing_code(contact),
            "sender": sender_name(message),
            "content": message.content,
            "html_content": channel.render_markup(message.content),
            "signature": channel.signature,
        }
        text = render_to_string("connectors/email/reply.txt", context)
        html = render_to_string("connectors/email/reply.html", context)
    headers = {"Message-ID": own_id}
    if refs:
        headers["In-Reply-To"] = refs[-1]
        headers["References"] = " ".join(refs)
    if message.sender_type != Message.SenderType.AGENT:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: not a person's reply
    reply_to = channel.from_address
    if channel.plus_addressing:
        reply_to = threading.plus_address(channel.from_address, conversation.pk)
    mail = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:250],
        body=text,
        from_email=formataddr((channel.from_name or conversation.inbox.name, channel.from_address)),
        to=[to],
        reply_to=[reply_to],
        headers=headers,
    )
    mail.attach_alternative(html, "text/html")
    return mail


def send_reply(*, channel: EmailChannel, message: Message) -> SendResult:
    if _answers_automatic_mail(message):
        raise DeliveryFailed(
            _(
                "Not sent: automatic mail (an auto-reply, a bounce, a list) is never answered "
                "automatically."
            ),
            retryable=False,
        )
    mail = build_reply(channel=channel, message=message)
    mail.connection = _connection(channel)
    try:
        mail.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryFailed(_("The customer's address was refused."), retryable=False) from exc
    except smtplib.SMTPResponseException as exc:
        permanent = 500 <= exc.smtp_code < 600
        raise DeliveryFailed(f"SMTP {exc.smtp_code}", retryable=not permanent) from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(type(exc).__name__) from exc
    return SendResult(platform_message_id=str(mail.extra_headers["Message-ID"]))
