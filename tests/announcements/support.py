"""A real SMTP server on loopback (aiosmtpd) for the list emails, shared with the status
page's tests, and helpers to read links out of what it received."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from email.message import Message as MimeMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from blockdesk.common.email_url import SMTP_BACKEND
from tests.support.live_server import free_port


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], MimeMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def to(self, address: str) -> list[MimeMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]


@pytest.fixture
def smtp(settings: Any) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Demo Support <support@demo-exchange.example>"
    try:
        yield mailbox
    finally:
        controller.stop()


def text_of(message: MimeMessage) -> str:
    out = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            out.append(part.get_content())  # type: ignore[attr-defined]
    return "\n".join(out)


def link(message: MimeMessage, kind: str) -> str:
    """The path of the first /subscriptions/<kind>/<token>/ link in the email."""
    found = re.search(rf"(/subscriptions/{kind}/[A-Za-z0-9_\-]+/)", text_of(message))
    assert found, text_of(message)
    return found.group(1)
