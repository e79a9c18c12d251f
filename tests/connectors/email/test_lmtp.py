"""The LMTP listener (`manage.py email lmtp`): a real LMTP session over loopback with the
standard library's client, as an MTA would speak it."""

from __future__ import annotations

import smtplib

import pytest

from blockdesk.connectors.email import threading
from blockdesk.connectors.email.lmtp import start_listener
from blockdesk.conversations.models import Message
from tests.support.live_server import free_port

from .mails import raw

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lmtp(email_channel):  # type: ignore[no-untyped-def]
    port = free_port()
    controller = start_listener(host="127.0.0.1", port=port)
    try:
        yield port
    finally:
        controller.stop()


def test_a_delivery_to_the_inbox_address_is_stored(lmtp, email_channel):
    client = smtplib.LMTP("127.0.0.1", lmtp)
    try:
        refused = client.sendmail(
            "wang@example.com", ["support@demo-exchange.example"], raw(body="Via LMTP")
        )
        assert refused == {}
        plus = threading.plus_address("support@demo-exchange.example", 1)
        client.sendmail("wang@example.com", [plus], raw(body="Plus address"))
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("wang@example.com", ["nobody@elsewhere.example"], raw())
    finally:
        client.quit()
    contents = set(
        Message.objects.filter(conversation__inbox=email_channel.inbox).values_list(
            "content", flat=True
        )
    )
    assert contents == {"Via LMTP", "Plus address"}


def test_a_refused_mail_is_answered_550_so_the_mta_bounces(lmtp, email_channel):
    client = smtplib.LMTP("127.0.0.1", lmtp)
    try:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            # No sender address at all: unreadable, refused (and recorded).
            client.sendmail("", ["support@demo-exchange.example"], b"Subject: x\r\n\r\nhi\r\n")
        assert refused.value.smtp_code == 550
    finally:
        client.quit()
