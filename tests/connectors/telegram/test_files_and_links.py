"""Files from Telegram (photo, document, voice note) fetched through getFile and the
file download, within the widget's attachment limits; the widget's `/start <token>` deep
link continues a signed-in customer's case on Telegram with the identity linked as
proven. Against the Bot API stand-in (the real Telegram cannot be reached from here)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from blockdesk.connectors.telegram.inbound import handle_update
from blockdesk.conversations.models import ContactIdentity, Message
from blockdesk.widget.services import do_send_visitor_message, do_start_visitor_session

from . import updates

pytestmark = pytest.mark.django_db(transaction=True)

JPEG = b"\xff\xd8\xff\xe0" + bytes(300)
PDF = b"%PDF-1.4\n" + bytes(200)
# An Ogg Opus voice note's first page (capture pattern, version, BOS flag, ..., OpusHead).
OGG = b"OggS\x00\x02" + bytes(20) + b"\x01\x13OpusHead\x01\x01" + bytes(100)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(100)


def test_the_largest_photo_is_fetched_and_stored_with_the_caption(tg_channel, bot_api):
    bot_api.add_file("AgACAgQAAxkBAAIBig", "photos/file_1.jpg", JPEG)
    bot_api.add_file("AgACAgQAAxkBAAIBis", "photos/file_0.jpg", b"\xff\xd8\xff small")
    handled = handle_update(
        channel=tg_channel,
        payload=updates.private_photo(
            1, 40, ("AgACAgQAAxkBAAIBis", "AgACAgQAAxkBAAIBig"), caption="screenshot of the error"
        ),
    )
    message = Message.objects.get(pk=handled.message_id)
    (attachment,) = message.attachments.all()
    assert message.content == "screenshot of the error"
    assert attachment.content_type == "image/jpeg" and attachment.file.read() == JPEG


def test_a_document_is_stored(tg_channel, bot_api):
    bot_api.add_file("BQACAgQAAxkBAAIBjm", "documents/file_2.pdf", PDF)
    doc = handle_update(
        channel=tg_channel, payload=updates.private_document(1, 41, "BQACAgQAAxkBAAIBjm")
    )
    (attachment,) = Message.objects.get(pk=doc.message_id).attachments.all()
    assert attachment.filename == "Testfile.pdf" and attachment.file.read() == PDF


def _voice_note(tg_channel, bot_api, data: bytes) -> Message:  # type: ignore[no-untyped-def]
    """A voice note whose file (fetched through getFile) holds `data`."""
    bot_api.add_file("AwADBAADbXXXXXXXXXXXGBdhD2l6_XX", "voice/file_3.oga", data)
    voice = handle_update(
        channel=tg_channel, payload=updates.private_voice(2, 42, "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX")
    )
    return Message.objects.get(pk=voice.message_id)


def _skipped(message: Message) -> list[dict[str, str]]:
    assert not message.attachments.exists()
    return list(message.metadata["channel"]["skipped_attachments"])


def test_a_voice_note_is_stored_as_audio_ogg(tg_channel, bot_api, agent, settings):
    # Voice notes are channel-only: the widget's own list does not have audio/ogg.
    assert "audio/ogg" not in settings.ATTACHMENT_ALLOWED_TYPES
    message = _voice_note(tg_channel, bot_api, OGG)
    (attachment,) = message.attachments.all()
    assert attachment.filename == "voice_42.ogg" and attachment.content_type == "audio/ogg"
    assert attachment.file.read() == OGG
    assert "skipped_attachments" not in message.metadata["channel"]
    # Served as a download in a sandbox, never inline.
    client = Client()
    client.force_login(agent)
    response = client.get(reverse("conversations:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_binary_file_claiming_to_be_a_voice_note_is_listed_not_stored(tg_channel, bot_api):
    (skipped,) = _skipped(_voice_note(tg_channel, bot_api, ELF))
    assert skipped["name"] == "voice_42.ogg" and "does not match" in skipped["reason"]


def test_a_voice_note_is_refused_when_the_admin_takes_audio_off(tg_channel, bot_api, settings):
    settings.CHANNEL_ATTACHMENT_EXTRA_TYPES = []
    (skipped,) = _skipped(_voice_note(tg_channel, bot_api, OGG))
    assert "audio/ogg" in skipped["reason"]


def test_a_file_larger_than_the_limit_is_not_downloaded(tg_channel, bot_api, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000  # the document says 536392 bytes
    bot_api.add_file("BQACAgQAAxkBAAIBjm", "documents/file_2.pdf", PDF)
    handled = handle_update(
        channel=tg_channel,
        payload=updates.private_document(1, 41, "BQACAgQAAxkBAAIBjm", caption="statement"),
    )
    assert "getFile" not in bot_api.calls
    meta = Message.objects.get(pk=handled.message_id).metadata["channel"]["telegram"]
    assert meta["too_large"] == ["Testfile.pdf"]


def test_the_widgets_deep_link_continues_the_same_case_on_telegram(tg_channel, channel, bot_api):
    session, token = do_start_visitor_session(channel=channel)
    sent = do_send_visitor_message(
        session=session, content="My deposit is missing", idempotency_key="key-00000001"
    )
    case = sent.message.conversation
    client = Client()
    url = reverse("telegram_widget_link", args=[channel.public_token])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert (
        client.post(url, {"conversation_id": case.pk}, content_type="application/json").status_code
        == 401
    )
    response = client.post(
        url, {"conversation_id": case.pk}, content_type="application/json", **auth
    )
    assert response.status_code == 201, response.content
    link = response.json()["url"]
    assert link.startswith("https://t.me/blockdesk_support_bot?start=")
    start = link.partition("start=")[2]
    assert len(start) <= 64

    linked = handle_update(
        channel=tg_channel, payload=updates.private_text(1, 50, f"/start {start}")
    )
    assert linked.status == "linked" and linked.conversation_id == case.pk
    identity = ContactIdentity.objects.get(kind="telegram", value="1111111")
    assert identity.contact_id == session.contact.pk
    follow = handle_update(
        channel=tg_channel, payload=updates.private_text(2, 51, "Here is the tx id")
    )
    assert follow.conversation_id == case.pk
    # Single use: a second /start with the same token links nothing.
    again = handle_update(
        channel=tg_channel, payload=updates.private_text(3, 52, f"/start {start}")
    )
    assert again.status == "ignored"
    assert "expired" in bot_api.messages("sendMessage")[-1].params["text"]


def test_another_visitor_cannot_get_a_link_to_someone_elses_case(tg_channel, channel):
    owner, _ = do_start_visitor_session(channel=channel)
    case = do_send_visitor_message(
        session=owner, content="hi", idempotency_key="key-00000002"
    ).message.conversation
    _, stranger = do_start_visitor_session(channel=channel)
    response = Client().post(
        reverse("telegram_widget_link", args=[channel.public_token]),
        {"conversation_id": case.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {stranger}",
    )
    assert response.status_code == 404
