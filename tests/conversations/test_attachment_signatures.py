"""The attachment check trusts a file's first bytes, not the type its sender declares:
audio a channel brings (voice notes) passes only with its container's signature, and the
widget's own list is unchanged by what channels accept besides."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations.services import check_attachment

AUDIO = ("audio/ogg", "audio/opus", "audio/mpeg", "audio/mp4", "audio/x-m4a")
# The first bytes of each container as encoders write them.
OGG_OPUS = b"OggS\x00\x02" + bytes(20) + b"\x01\x13OpusHead"
MP3_ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(64)
MP3_FRAME = b"\xff\xfb\x90\x64" + bytes(64)
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + bytes(64)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(64)


def _upload(data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("voice.bin", data, content_type=content_type)


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("audio/ogg", OGG_OPUS),
        ("audio/opus", OGG_OPUS),
        ("audio/mpeg", MP3_ID3),
        ("audio/mpeg", MP3_FRAME),
        ("audio/mp4", M4A),
        ("audio/x-m4a", M4A),
        ("audio/ogg; codecs=opus", OGG_OPUS),
    ],
)
def test_audio_with_its_signature_passes_when_its_type_is_accepted(content_type, data):
    upload = _upload(data, content_type)
    check_attachment(upload=upload, extra_types=AUDIO)
    assert upload.read() == data  # the sniffing rewound the file for storing


@pytest.mark.parametrize("content_type", AUDIO)
@pytest.mark.parametrize("data", [ELF, b"MZ\x90\x00" + bytes(64), b"just some text, no audio"])
def test_anything_else_claiming_an_audio_type_is_refused(content_type, data):
    with pytest.raises(ValidationFailed) as caught:
        check_attachment(upload=_upload(data, content_type), extra_types=AUDIO)
    assert "does not match" in str(caught.value.message)


def test_one_audio_signature_does_not_pass_for_another_type():
    with pytest.raises(ValidationFailed):
        check_attachment(upload=_upload(OGG_OPUS, "audio/mpeg"), extra_types=AUDIO)
    with pytest.raises(ValidationFailed):
        check_attachment(upload=_upload(MP3_ID3, "audio/ogg"), extra_types=AUDIO)


def test_without_extra_types_audio_is_not_allowed(settings):
    # The widget's picker and agents' uploads keep the configured list.
    assert "audio/ogg" not in settings.ATTACHMENT_ALLOWED_TYPES
    with pytest.raises(ValidationFailed) as caught:
        check_attachment(upload=_upload(OGG_OPUS, "audio/ogg"))
    assert "audio/ogg" in str(caught.value.message)
