"""Raw mails for the tests, built with the standard library as a client would send them."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid


def mail(
    *,
    sender: str = "Wang Wei <wang@example.com>",
    to: str = "support@demo-exchange.example",
    subject: str = "Deposit missing",
    body: str = "My USDT deposit has not arrived.",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = references
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


def raw(**kwargs: object) -> bytes:
    return mail(**kwargs).as_bytes()  # type: ignore[arg-type]
