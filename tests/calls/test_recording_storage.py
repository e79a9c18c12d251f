"""A call recording in S3-compatible object storage (a real server on loopback, as in
tests/ops): stored in the bucket through Django's storage like attachments, streamed to
agents by the app (never a bucket URL), deleted from the bucket with its row."""

from __future__ import annotations

import pytest
from django.test import Client

from blockdesk.calls import recordings
from blockdesk.calls.models import CallRecording
from tests.calls.test_recordings import WEBM, answered_call, online, recording_on, webm  # noqa: F401
from tests.ops.conftest import s3_server  # noqa: F401  (fixture)


@pytest.fixture
def s3_storage(s3_server, settings):  # noqa: F811
    bucket = s3_server.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage_settings(bucket)}
    return bucket


@pytest.mark.django_db
def test_the_recording_goes_to_the_bucket_and_back_through_the_app(
    s3_server,  # noqa: F811
    s3_storage,
    settings,
    conversation,
    agent,
    online,  # noqa: F811
    recording_on,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    call = answered_call(conversation, agent, consent=True)
    recording = recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())

    def keys() -> list[str]:
        listed = s3_server.client().list_objects_v2(Bucket=s3_storage)
        return [o["Key"] for o in listed.get("Contents", [])]

    assert keys() == [recording.file.name]
    assert not (settings.MEDIA_ROOT / recording.file.name).exists()
    client = Client()
    client.force_login(agent)
    response = client.get(f"/app/calls/recordings/{recording.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == WEBM
    assert s3_server.endpoint not in str(response.headers)

    settings.CALL_RECORDING_RETENTION_DAYS = 1
    later = recording.created_at + recordings.dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert recordings.do_purge_expired_recordings(now=later) == 1
    assert not CallRecording.objects.exists() and keys() == []
