"""Uploads in S3-compatible object storage (a real server on loopback), served only
through the app's authorised views."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from blockdesk.conversations import services
from blockdesk.conversations.models import Attachment
from tests.conftest import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b"ops-test"


@pytest.fixture
def s3_storage(s3_server, settings):
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings(bucket)}
    return bucket


@pytest.mark.django_db
def test_attachment_goes_to_the_bucket_and_is_streamed_by_the_app(
    s3_server, s3_storage, settings, channel, contact, agent
):
    sent = services.do_send_contact_message(
        contact=contact,
        inbox=channel.inbox,
        conversation=None,
        content="screenshot",
        attachments=[SimpleUploadedFile("shot.png", PNG, content_type="image/png")],
    )
    att = Attachment.objects.get(message=sent.message)
    # In the bucket, not on this node's disk.
    keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=s3_storage)["Contents"]]
    assert keys == [att.file.name]
    assert not (settings.MEDIA_ROOT / att.file.name).exists()
    body = s3_server.client().get_object(Bucket=s3_storage, Key=att.file.name)["Body"].read()
    assert body == PNG

    # An agent of the inbox gets the bytes through the authorised view (streamed by the
    # app: never a redirect to a bucket URL).
    client = Client()
    assert client.login(username=agent.username, password=PASSWORD)
    response = client.get(f"/attachments/{att.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert s3_server.endpoint not in str(response.headers)
    # Nobody else does.
    assert Client().get(f"/attachments/{att.pk}/").status_code == 302


@pytest.mark.django_db
def test_a_second_node_reads_what_the_first_wrote(s3_server, s3_storage, settings):
    """Two storages configured alike (two nodes) see the same object."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages
    from storages.backends.s3 import S3Storage

    name = storages["default"].save("attachments/1/shared", ContentFile(b"node one"))
    other = S3Storage(**s3_server.storage_settings(s3_storage)["OPTIONS"])
    with other.open(name, "rb") as fh:
        assert fh.read() == b"node one"
