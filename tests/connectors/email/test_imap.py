"""IMAP against a REAL Dovecot on loopback (conftest.dovecot): first sync, incremental
sync without duplicates, UIDVALIDITY change, oversized mail, the "test connection", a bad
password, the private-host guard, and IDLE noticing new mail."""

from __future__ import annotations

import threading as py_threading
import time
import uuid

import pytest
from imapclient import IMAPClient

from blockdesk.common.errors import ValidationFailed
from blockdesk.connectors.email import imap
from blockdesk.connectors.email.models import EmailChannel, EmailReceipt
from blockdesk.connectors.email.services import check_email_connection, do_update_email_inbox
from blockdesk.conversations.models import Message

from .mails import raw

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def folder(dovecot) -> str:
    name = f"t{uuid.uuid4().hex[:10]}"
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(dovecot.user, dovecot.password)
        client.create_folder(name)
    return name


@pytest.fixture
def imap_channel(email_channel, dovecot, folder) -> EmailChannel:
    email_channel.imap_enabled = True
    email_channel.imap_host = dovecot.host
    email_channel.imap_port = dovecot.port
    email_channel.imap_security = EmailChannel.ImapSecurity.NONE
    email_channel.imap_username = dovecot.user
    email_channel.imap_secret = dovecot.password
    email_channel.imap_folder = folder
    email_channel.save()
    return EmailChannel.objects.get(pk=email_channel.pk)  # the secret read back decrypted


def deliver(dovecot, folder: str, *mails: bytes) -> None:
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(dovecot.user, dovecot.password)
        for data in mails:
            client.append(folder, data)


def stored(channel: EmailChannel) -> list[str]:
    return list(
        Message.objects.filter(conversation__inbox=channel.inbox)
        .order_by("pk")
        .values_list("content", flat=True)
    )


def test_the_password_is_encrypted_at_rest(imap_channel, dovecot):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT imap_secret FROM email_channel_emailchannel WHERE id = %s", [imap_channel.pk]
        )
        (stored_value,) = cursor.fetchone()
    assert dovecot.password not in stored_value and stored_value


def test_first_sync_then_only_new_mail_and_never_twice(imap_channel, dovecot, folder):
    deliver(dovecot, folder, raw(body="first", sender="a@example.com"),
            raw(body="second", sender="b@example.com"))  # fmt: skip
    result = imap.sync_mailbox(imap_channel)
    assert result.fetched == 2 and stored(imap_channel) == ["first", "second"]
    assert imap.sync_mailbox(imap_channel).fetched == 0
    deliver(dovecot, folder, raw(body="third", sender="c@example.com"))
    assert imap.sync_mailbox(imap_channel).fetched == 1
    assert stored(imap_channel) == ["first", "second", "third"]
    # A new UIDVALIDITY re-reads the folder; the Message-ID receipts keep it harmless.
    imap_channel.imap_uidvalidity = 1
    imap_channel.save()
    again = imap.sync_mailbox(imap_channel)
    assert again.fetched == 3 and again.outcomes == {"duplicate": 3}
    assert len(stored(imap_channel)) == 3
    imap_channel.refresh_from_db()
    assert imap_channel.imap_last_error == "" and imap_channel.imap_last_polled_at


def test_an_oversized_mail_is_recorded_as_refused_without_fetching_it(
    imap_channel, dovecot, folder, settings
):
    settings.EMAIL_INGEST_MAX_BYTES = 10_000
    deliver(dovecot, folder, raw(body="x" * 20_000, message_id="<big@example.com>"))
    imap.sync_mailbox(imap_channel)
    receipt = EmailReceipt.objects.get(channel=imap_channel)
    assert (receipt.header_id, receipt.status) == ("<big@example.com>", "refused")
    assert receipt.size >= 20_000
    assert stored(imap_channel) == []


def test_test_connection_says_how_many_mails_and_a_bad_password_is_a_clear_error(
    imap_channel, dovecot, folder, admin_user
):
    deliver(dovecot, folder, raw())
    message = check_email_connection(actor=admin_user, channel=imap_channel)
    assert message == f"Connected: 1 messages in {folder}."
    do_update_email_inbox(actor=admin_user, channel=imap_channel, imap_secret="wrong-password")
    with pytest.raises(ValidationFailed) as failed:
        check_email_connection(actor=admin_user, channel=imap_channel)
    assert failed.value.message == "The IMAP server refused the login."


def test_a_private_host_is_refused_unless_allowed(imap_channel, settings):
    settings.EMAIL_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(imap.ImapFailure, match="private or local"):
        imap.sync_mailbox(imap_channel)
    imap_channel.refresh_from_db()
    assert "private or local" in imap_channel.imap_last_error


def test_idle_notices_new_mail(imap_channel, dovecot, folder, monkeypatch):
    monkeypatch.setattr(imap, "IDLE_CHECK_SECONDS", 1.0)
    stop = py_threading.Event()
    watcher = py_threading.Thread(
        target=imap.watch_mailbox, args=(imap_channel,), kwargs={"stop": stop}, daemon=True
    )
    watcher.start()
    try:
        time.sleep(1.0)  # synced the empty folder, now in IDLE
        deliver(dovecot, folder, raw(body="pushed by IDLE"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not stored(imap_channel):
            time.sleep(0.2)
        assert stored(imap_channel) == ["pushed by IDLE"]
    finally:
        stop.set()
        watcher.join(timeout=10)
    assert not watcher.is_alive()
