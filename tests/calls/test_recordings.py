"""Call recordings: who may upload (only the call's agent, only with the account's setting
and the customer's consent, not after it was withdrawn), what is accepted (size, type,
content), where it goes (Django's storage), who may play it, the timeline line and its
player, the event, and the retention purge. Real database (SQLite and PostgreSQL passes),
real files in the test's storage."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from blockdesk.accounts.services import do_create_agent
from blockdesk.calls import recordings, services
from blockdesk.calls.models import Call, CallRecording
from blockdesk.common.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from blockdesk.common.socket_handlers import SocketPeer
from blockdesk.conversations.models import ConversationEvent
from blockdesk.conversations.timeline import describe_event
from blockdesk.events.models import Event
from blockdesk.workspace import selectors as ui
from tests.conftest import PASSWORD

# The start of a WebM file as Chromium's MediaRecorder writes it: the EBML header with
# DocType "webm", then (here) filler standing for the Opus clusters.
WEBM = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x00" * 2048
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def customer(conversation) -> SocketPeer:
    return SocketPeer(
        surface="visitor",
        channel_name="customer-tab",
        contact_id=conversation.contact_id,
        inbox_id=conversation.inbox_id,
    )


def agent_peer(agent) -> SocketPeer:
    return SocketPeer(
        surface="agent", channel_name="agent-tab-1", user_id=agent.pk, account_id=agent.account_id
    )


@pytest.fixture
def online(agent):
    services.presence.mark_online(user_id=agent.pk, channel_name="agent-tab-1")


@pytest.fixture
def recording_on(admin_user):
    services.do_update_call_settings(actor=admin_user, calls_enabled=True, recording_enabled=True)


def answered_call(conversation, agent, *, consent: bool, hang_up: bool = True) -> Call:
    call = services.do_ring(
        peer=customer(conversation), conversation_id=conversation.pk, video=False, consent=consent
    )
    services.do_accept(peer=agent_peer(agent), call_id=call.pk, consent=False)
    if hang_up:
        services.do_hang_up(peer=agent_peer(agent), call_id=call.pk)
    call.refresh_from_db()
    return call


def webm(data: bytes = WEBM, content_type: str = "audio/webm;codecs=opus") -> SimpleUploadedFile:
    return SimpleUploadedFile("call.webm", data, content_type=content_type)


def stored_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT) / "call-recordings"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def logged_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/app/")  # the CSRF cookie, as the console page sets it
    return client


def post_recording(client: Client, call_id: int, data: bytes = WEBM, csrf: bool = True):
    headers = {"HTTP_ACCEPT": "application/json"}
    if csrf:
        headers["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client.post(
        f"/app/calls/{call_id}/recording/",
        {"recording": webm(data)},
        **headers,
    )


# --- the rules --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_calls_agent_uploads_and_it_is_stored_linked_on_the_timeline_with_an_event(
    conversation, agent, online, recording_on
):
    call = answered_call(conversation, agent, consent=True)
    assert call.recording_consent_at is not None
    client = logged_in(agent)
    response = post_recording(client, call.pk)
    assert response.status_code == 201, response.content
    recording = CallRecording.objects.get(call=call)
    assert response.json()["recording_id"] == recording.pk
    assert (recording.content_type, recording.size, recording.uploaded_by_id) == (
        "audio/webm",
        len(WEBM),
        agent.pk,
    )
    # Through Django's storage (the bucket when one is configured), under a random name.
    assert recording.file.name.startswith(f"call-recordings/{conversation.pk}/")
    with recording.file.open("rb") as fh:
        assert fh.read() == WEBM

    line = ConversationEvent.objects.get(conversation=conversation, kind="call_recorded")
    assert describe_event(line).startswith("Call recorded · 0:")
    item = next(i for i in ui.timeline(conversation=conversation) if i.event == line)
    assert item.audio_url == f"/app/calls/recordings/{recording.pk}/"
    assert ui.timeline_item_dict(item)["audio"] == item.audio_url
    saved = Event.objects.get(name="call.recording_saved")
    assert saved.payload == {
        "call_id": call.pk,
        "conversation_id": conversation.pk,
        "recording_id": recording.pk,
        "agent_id": agent.pk,
        "content_type": "audio/webm",
        "size": len(WEBM),
    }
    # The server-rendered console page has the player.
    page = client.get(f"/app/c/{conversation.display_id}/")
    assert f'src="/app/calls/recordings/{recording.pk}/"' in page.content.decode()

    # Once per call.
    assert post_recording(client, call.pk).status_code == 409
    assert CallRecording.objects.count() == 1


@pytest.mark.django_db
def test_no_consent_means_nothing_is_stored(conversation, agent, online, recording_on):
    call = answered_call(conversation, agent, consent=False)
    response = post_recording(logged_in(agent), call.pk)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_consent"
    assert "did not agree" in response.json()["error"]["message"]
    assert not CallRecording.objects.exists() and stored_files() == []
    assert not Event.objects.filter(name="call.recording_saved").exists()


@pytest.mark.django_db
def test_an_account_that_does_not_record_refuses_even_a_consenting_call(
    conversation, agent, admin_user, online
):
    call = answered_call(conversation, agent, consent=True)  # recording off: no consent kept
    with pytest.raises(Forbidden) as refused:
        recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())
    assert refused.value.code == "recording_off"

    # Turned off after a call that was allowed and consented: still refused.
    services.do_update_call_settings(actor=admin_user, calls_enabled=True, recording_enabled=True)
    call = answered_call(conversation, agent, consent=True)
    services.do_update_call_settings(actor=admin_user, calls_enabled=True, recording_enabled=False)
    with pytest.raises(Forbidden):
        recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())
    assert not CallRecording.objects.exists() and stored_files() == []


@pytest.mark.django_db
def test_withdrawn_consent_means_nothing_is_stored(conversation, agent, online, recording_on):
    call = answered_call(conversation, agent, consent=True, hang_up=False)
    # Only the call's own customer can withdraw: another socket gets NotFound.
    stranger = SocketPeer(
        surface="visitor", channel_name="x", contact_id=0, inbox_id=conversation.inbox_id
    )
    with pytest.raises(NotFound):
        recordings.do_withdraw_consent(peer=stranger, call_id=call.pk)
    with pytest.raises(NotFound):
        recordings.do_withdraw_consent(peer=agent_peer(agent), call_id=call.pk)

    recordings.do_withdraw_consent(peer=customer(conversation), call_id=call.pk)
    recordings.do_withdraw_consent(peer=customer(conversation), call_id=call.pk)  # idempotent
    services.do_hang_up(peer=agent_peer(agent), call_id=call.pk)
    call.refresh_from_db()
    assert call.recording_consent_at is None

    response = post_recording(logged_in(agent), call.pk)
    assert response.status_code == 403 and response.json()["error"]["code"] == "no_consent"
    assert not CallRecording.objects.exists() and stored_files() == []
    lines = [
        describe_event(e)
        for e in ConversationEvent.objects.filter(
            conversation=conversation, kind="call_consent_withdrawn"
        )
    ]
    assert lines == ["The customer withdrew their consent: this call is not recorded"]
    assert Event.objects.filter(name="call.recording_consent_withdrawn").count() == 1


@pytest.mark.django_db
def test_only_the_agent_of_the_call_may_upload(
    conversation, agent, colleague, outsider, other_account, online, recording_on
):
    call = answered_call(conversation, agent, consent=True)
    stranger = do_create_agent(
        account=other_account, username="eve", email="eve@example.com", password=PASSWORD
    )
    for user in (colleague, outsider, stranger):  # same inbox, same account, elsewhere
        response = post_recording(logged_in(user), call.pk)
        assert response.status_code == 404, user.username
    # Not signed in (a customer, anyone): no upload.
    anonymous = Client()
    response = anonymous.post(
        f"/app/calls/{call.pk}/recording/", {"recording": webm()}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code in (401, 403)
    # An agent who left the inbox since the call: refused too.
    conversation.inbox.members.remove(agent)
    with pytest.raises(NotFound):
        recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())
    assert not CallRecording.objects.exists() and stored_files() == []


@pytest.mark.django_db
def test_the_upload_needs_the_csrf_token(conversation, agent, online, recording_on):
    call = answered_call(conversation, agent, consent=True)
    response = post_recording(logged_in(agent), call.pk, csrf=False)
    assert response.status_code == 403
    assert not CallRecording.objects.exists()


@pytest.mark.django_db
def test_size_type_and_content_are_checked(conversation, agent, online, recording_on, settings):
    call = answered_call(conversation, agent, consent=True)
    settings.CALL_RECORDING_MAX_BYTES = 1024
    response = post_recording(logged_in(agent), call.pk)
    assert response.status_code == 413
    with pytest.raises(PayloadTooLarge):
        recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())
    settings.CALL_RECORDING_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationFailed):  # a PNG calling itself audio
        recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm(PNG))
    with pytest.raises(ValidationFailed):  # not an audio type we accept
        recordings.do_save_recording(
            user=agent, call_id=call.pk, upload=webm(WEBM, content_type="text/html")
        )
    with pytest.raises(ValidationFailed):
        recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm(b""))
    assert not CallRecording.objects.exists() and stored_files() == []
    recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())
    assert CallRecording.objects.count() == 1


@pytest.mark.django_db
def test_unanswered_and_stale_calls_are_refused(conversation, agent, online, recording_on):
    call = services.do_ring(
        peer=customer(conversation), conversation_id=conversation.pk, video=False, consent=True
    )
    services.do_hang_up(peer=customer(conversation), call_id=call.pk)  # cancelled
    with pytest.raises(Conflict):
        recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())
    call = answered_call(conversation, agent, consent=True)
    Call.objects.filter(pk=call.pk).update(
        ended_at=call.ended_at - recordings.UPLOAD_WINDOW - dt.timedelta(seconds=1)
    )
    with pytest.raises(Conflict):
        recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())
    assert not CallRecording.objects.exists()


@pytest.mark.django_db
def test_agents_who_see_the_case_play_it_nobody_else(
    conversation, agent, colleague, outsider, online, recording_on
):
    call = answered_call(conversation, agent, consent=True)
    recording = recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())
    url = f"/app/calls/recordings/{recording.pk}/"
    for user in (agent, colleague):  # the colleague is in the inbox: sees the case
        response = logged_in(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "audio/webm"
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == WEBM
    assert logged_in(outsider).get(url).status_code == 404  # not in the inbox
    assert Client().get(url).status_code == 302  # signed out: to the sign-in page


@pytest.mark.django_db
def test_recordings_past_the_retention_period_are_deleted(
    conversation, agent, online, recording_on, settings, django_capture_on_commit_callbacks
):
    call = answered_call(conversation, agent, consent=True)
    recording = recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())
    assert len(stored_files()) == 1
    later = recording.created_at + dt.timedelta(days=31)
    settings.CALL_RECORDING_RETENTION_DAYS = 0  # kept for ever
    assert recordings.do_purge_expired_recordings(now=later) == 0
    settings.CALL_RECORDING_RETENTION_DAYS = 31
    assert recordings.do_purge_expired_recordings(now=later) == 0  # not yet
    settings.CALL_RECORDING_RETENTION_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):  # the file goes after the commit
        assert recordings.do_purge_expired_recordings(now=later) == 1
    assert not CallRecording.objects.exists() and stored_files() == []
    assert recordings.do_purge_expired_recordings(now=later) == 0  # idempotent
    deleted = Event.objects.get(name="call.recording_deleted")
    assert deleted.payload["reason"] == "retention"
    line = ConversationEvent.objects.get(conversation=conversation, kind="call_recorded")
    assert describe_event(line) == "Call recording deleted (its retention period ended)"
    item = next(i for i in ui.timeline(conversation=conversation) if i.event == line)
    assert item.audio_url is None


def test_the_purge_is_a_registered_periodic_job():
    from blockdesk.common.periodic import jobs

    assert recordings.do_purge_expired_recordings in jobs()


@pytest.mark.django_db
def test_erasing_the_customer_deletes_their_call_recordings(
    conversation, agent, admin_user, online, recording_on, django_capture_on_commit_callbacks
):
    from blockdesk.conversations.erasure import do_erase_contact

    call = answered_call(conversation, agent, consent=True)
    recordings.do_save_recording(user=agent, call_id=call.pk, upload=webm())
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        do_erase_contact(actor=admin_user, contact=conversation.contact, confirmed=True)
    assert not CallRecording.objects.exists() and stored_files() == []
    # The event about it stays on the log, without its data (events.do_redact_events).
    saved = Event.objects.get(name="call.recording_saved")
    assert saved.payload == {} and saved.redacted_at is not None
