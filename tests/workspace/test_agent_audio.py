"""Agents attach audio to a reply (mp3, m4a/aac, ogg/opus, wav, webm): each type checked
against its first bytes like images, within the attachment size limit; the console and
the customer's widget show a player. Customers' own uploads keep the configured types."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from blockdesk.conversations import services
from blockdesk.conversations.models import Attachment
from blockdesk.widget.serializers import widget_message_dict
from blockdesk.workspace import selectors as ui

WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\x00" * 64
SAMPLES = {
    "note.mp3": ("audio/mpeg", b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb" * 32),
    "frames.mp3": ("audio/mpeg", b"\xff\xfb\x90\x64" + b"\x00" * 64),
    "memo.m4a": ("audio/x-m4a", b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + b"\x00" * 64),
    "memo.mp4": ("audio/mp4", b"\x00\x00\x00\x1cftypisom" + b"\x00" * 64),
    "raw.aac": ("audio/aac", b"\xff\xf1\x50\x80" + b"\x00" * 64),
    "voice.ogg": ("audio/ogg", b"OggS\x00\x02" + b"\x00" * 64),
    "voice.opus": ("audio/opus", b"OggS\x00\x02" + b"\x00" * 64),
    "clip.wav": ("audio/wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64),
    "clip2.wav": ("audio/x-wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64),
    "clip.weba": ("audio/webm", WEBM),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.django_db
def test_each_common_audio_type_is_accepted_from_an_agent(name, conv, agent):
    content_type, data = SAMPLES[name]
    sent = services.do_send_agent_message(
        agent=agent,
        conversation=conv,
        content="",
        attachments=[SimpleUploadedFile(name, data, content_type=content_type)],
    )
    att = sent.message.attachments.get()
    assert att.content_type == content_type and att.size == len(data)


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("audio/mpeg", b"MZ\x90\x00" + b"\x00" * 64),  # a Windows program
        ("audio/wav", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64),  # an image in RIFF
        ("audio/webm", b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska" + b"\x00" * 64),  # not webm
        ("audio/x-m4a", b"<html><script>alert(1)</script>"),
        ("audio/ogg", b"ID3\x04"),
        ("audio/aac", b"%PDF-1.7"),
        ("audio/flac", b"fLaC\x00\x00\x00\x22"),  # not on the list
        ("video/webm", WEBM),  # video stays out
    ],
)
@pytest.mark.django_db
def test_audio_that_is_not_what_it_says_is_refused(content_type, data, conv, agent):
    from blockdesk.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.do_send_agent_message(
            agent=agent,
            conversation=conv,
            content="x",
            attachments=[SimpleUploadedFile("a", data, content_type=content_type)],
        )
    assert not Attachment.objects.exists()


@pytest.mark.django_db
def test_audio_keeps_the_attachment_size_limit(conv, agent, settings):
    from blockdesk.common.errors import PayloadTooLarge

    settings.ATTACHMENT_MAX_BYTES = 32
    content_type, data = SAMPLES["note.mp3"]
    with pytest.raises(PayloadTooLarge):
        services.do_send_agent_message(
            agent=agent,
            conversation=conv,
            content="x",
            attachments=[SimpleUploadedFile("n.mp3", data, content_type=content_type)],
        )


@pytest.mark.django_db
def test_customers_still_upload_only_the_configured_types(channel, contact):
    from blockdesk.common.errors import ValidationFailed

    content_type, data = SAMPLES["note.mp3"]
    with pytest.raises(ValidationFailed):
        services.do_send_contact_message(
            contact=contact,
            inbox=channel.inbox,
            conversation=None,
            content="",
            attachments=[SimpleUploadedFile("n.mp3", data, content_type=content_type)],
        )


@pytest.mark.django_db
def test_the_console_and_the_widget_show_a_player(conv, agent, agent_client: Client):
    content_type, data = SAMPLES["voice.ogg"]
    response = agent_client.post(
        f"/app/c/{conv.display_id}/reply/",
        {
            "content": "Listen to this",
            "attachments": SimpleUploadedFile("v.ogg", data, content_type),
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    item = response.json()["message"]
    assert item["attachments"][0]["audio"] is True and item["attachments"][0]["image"] is False
    att = Attachment.objects.get()

    page = agent_client.get(f"/app/c/{conv.display_id}/").content.decode()
    assert (
        f'<audio class="msg-audio" controls preload="metadata" src="/attachments/{att.pk}/"' in page
    )
    played = agent_client.get(f"/attachments/{att.pk}/")
    assert played.status_code == 200 and played["Content-Type"] == "audio/ogg"
    assert b"".join(played.streaming_content) == data

    # The customer's widget gets the type and a signed link it can play without a login.
    shown = widget_message_dict(att.message)["attachments"][0]
    assert shown["content_type"] == "audio/ogg"
    fetched = Client().get(shown["url"])
    assert fetched.status_code == 200 and fetched["Content-Type"] == "audio/ogg"
    assert ui.message_item_dict(att.message)["attachments"][0]["audio"] is True
