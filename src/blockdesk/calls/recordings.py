"""Call recordings: the upload from the agent's console, the customer withdrawing consent,
and the retention purge (docs/calls.md, "Recording").

The rules, all checked here on the server whatever the browser did:
- only the agent of the call (still an active member of its inbox) may upload, once;
- only for a call that was answered, that the account allowed to record when it rang
  and still records, and whose customer agreed (and did not withdraw);
- the file is audio in a container we recognise by its first bytes, within
  settings.CALL_RECORDING_MAX_BYTES.
A stranger's or a colleague's upload gets NotFound (a call's existence does not leak);
the call's own agent gets a clear reason."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.calls.event_types import RecordingConsentWithdrawn, RecordingDeleted, RecordingSaved
from blockdesk.calls.models import Call, CallRecording
from blockdesk.calls.timeline_kinds import KIND_CONSENT_WITHDRAWN, KIND_RECORDED
from blockdesk.common.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from blockdesk.common.socket_handlers import SocketPeer
from blockdesk.conversations import selectors as conv_selectors
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.services.messages import content_matches_type
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit

logger = logging.getLogger(__name__)

# What MediaRecorder produces: WebM/Opus (Chromium, Firefox), Ogg/Opus (Firefox), MP4/AAC
# (Safari). Each is checked against its signature (conversations.services.messages).
RECORDING_TYPES = frozenset({"audio/webm", "audio/ogg", "audio/mp4"})
# The console uploads as the call ends; a recording offered long after is refused.
UPLOAD_WINDOW = dt.timedelta(hours=1)


def _recording_enabled(account_id: int) -> bool:
    from blockdesk.calls.services import call_settings

    return call_settings(account_id=account_id).recording_enabled


def check_recording_upload(*, user: User, call_id: int, now: dt.datetime | None = None) -> Call:
    """The call `user` may attach a recording to now; raises otherwise."""
    now = now or timezone.now()
    call = (
        Call.objects.select_related("conversation")
        .filter(pk=call_id, account_id=user.account_pk)
        .first()
    )
    if (
        call is None
        or not user.is_active
        or call.agent_id != user.pk
        or not conv_selectors.agent_can_access_inbox(user=user, inbox_id=call.conversation.inbox_id)
    ):
        raise NotFound()
    if not call.recording_allowed or not _recording_enabled(call.account_id):
        raise Forbidden(
            _("This account does not record calls: nothing was stored."), code="recording_off"
        )
    if call.recording_consent_at is None:
        raise Forbidden(
            _("The customer did not agree to this call being recorded: nothing was stored."),
            code="no_consent",
        )
    if call.answered_at is None:
        raise Conflict(_("This call was never answered: there is nothing to record."))
    if call.ended_at is not None and now - call.ended_at > UPLOAD_WINDOW:
        raise Conflict(_("This call ended too long ago to add its recording."))
    if CallRecording.objects.filter(call=call).exists():
        raise Conflict(_("This call already has a recording."))
    return call


def check_recording_file(*, upload: UploadedFile) -> str:
    """The recording's media type (without parameters) if the file is acceptable."""
    size = upload.size or 0
    if size > settings.CALL_RECORDING_MAX_BYTES:
        raise PayloadTooLarge(
            _("The recording is larger than %(mb)d MB.")
            % {"mb": settings.CALL_RECORDING_MAX_BYTES // (1024 * 1024)}
        )
    if size == 0:
        raise ValidationFailed.field("recording", _("The recording is empty."))
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    if content_type not in RECORDING_TYPES:
        raise ValidationFailed.field(
            "recording",
            _("Recordings of type “%(type)s” are not accepted.") % {"type": content_type or "?"},
        )
    if not content_matches_type(upload, content_type):
        raise ValidationFailed.field(
            "recording", _("The recording’s content does not match its type.")
        )
    return content_type


def do_save_recording(*, user: User, call_id: int, upload: UploadedFile) -> CallRecording:
    """Stores the recording (default storage), its timeline line and the event, together."""
    check_recording_upload(user=user, call_id=call_id)
    content_type = check_recording_file(upload=upload)
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("conversation").get(pk=call_id)
        # Again under the lock: consent withdrawn or another upload since the first check.
        check_recording_upload(user=user, call_id=call_id)
        recording = CallRecording(
            call=call,
            account_id=call.account_id,
            uploaded_by=user,
            content_type=content_type,
            size=upload.size or 0,
        )
        recording.file.save(f"call-{call.pk}", upload, save=False)
        name = recording.file.name
        try:
            recording.save()
            conv_services.do_record_event(
                conversation=call.conversation,
                kind=KIND_RECORDED,
                data={
                    "call_id": call.pk,
                    "recording_id": recording.pk,
                    "video": call.video,
                    "duration": call.duration_seconds,
                    "size": recording.size,
                },
            )
            emit(
                account_id=call.account_id,
                name="call.recording_saved",
                payload=RecordingSaved(
                    call_id=call.pk,
                    conversation_id=call.conversation_id,
                    recording_id=recording.pk,
                    agent_id=user.pk,
                    content_type=content_type,
                    size=recording.size,
                ),
                actor=Actor.agent(user.pk),
                subject=Subject("conversation", call.conversation_id),
            )
        except Exception:
            default_storage.delete(name)  # a failed save leaves no orphan file behind
            raise
    return recording


def do_withdraw_consent(*, peer: SocketPeer, call_id: int) -> Call:
    """The customer takes their consent back during the call: the agent's console stops
    and discards what it recorded, and no upload for this call is accepted any more."""
    if peer.surface != "visitor" or peer.contact_id is None or peer.inbox_id is None:
        raise NotFound()
    with transaction.atomic():
        call = (
            Call.objects.select_for_update()
            .select_related("conversation")
            .filter(
                pk=call_id,
                status__in=(Call.Status.RINGING, Call.Status.ACTIVE),
                contact_id=peer.contact_id,
                conversation__inbox_id=peer.inbox_id,
            )
            .first()
        )
        if call is None:
            raise NotFound()
        if call.customer_channel and call.customer_channel != peer.channel_name:
            raise NotFound()
        if call.recording_consent_at is None:
            return call  # nothing to withdraw: idempotent
        call.recording_consent_at = None
        call.save(update_fields=["recording_consent_at"])
        conv_services.do_record_event(
            conversation=call.conversation,
            kind=KIND_CONSENT_WITHDRAWN,
            data={"call_id": call.pk},
        )
        emit(
            account_id=call.account_id,
            name="call.recording_consent_withdrawn",
            payload=RecordingConsentWithdrawn(
                call_id=call.pk, conversation_id=call.conversation_id, contact_id=call.contact_id
            ),
            actor=Actor.contact(call.contact_id),
            subject=Subject("conversation", call.conversation_id),
        )
    return call


def do_purge_expired_recordings(*, now: dt.datetime | None = None) -> int:
    """Periodic: recordings older than CALL_RECORDING_RETENTION_DAYS are deleted (row and
    file). 0 days keeps them. Idempotent, like every periodic job."""
    days = settings.CALL_RECORDING_RETENTION_DAYS
    if days <= 0:
        return 0
    limit = (now or timezone.now()) - dt.timedelta(days=days)
    count = 0
    expired = CallRecording.objects.filter(created_at__lt=limit).order_by("pk")
    for pk in expired.values_list("pk", flat=True)[:500]:  # the next run takes the rest
        with transaction.atomic():
            recording = (
                CallRecording.objects.select_for_update().select_related("call").filter(pk=pk)
            ).first()
            if recording is None:
                continue  # another node purged it
            call = recording.call
            recording.delete()
            emit(
                account_id=call.account_id,
                name="call.recording_deleted",
                payload=RecordingDeleted(
                    call_id=call.pk,
                    conversation_id=call.conversation_id,
                    recording_id=pk,
                    reason="retention",
                ),
                actor=Actor.system(),
                subject=Subject("conversation", call.conversation_id),
            )
            count += 1  # the file goes after the commit (delete_file_with_row)
    if count:
        logger.info("deleted %d call recordings past the retention period", count)
    return count


def delete_file_with_row(
    sender: type[CallRecording], instance: CallRecording, **kwargs: object
) -> None:
    """post_delete: whatever deleted the row (the purge, a deleted conversation, a
    customer's erasure cascading through their calls), the audio goes too, after the
    commit (a rolled-back delete keeps its file)."""
    name = instance.file.name
    if not name:
        return

    def delete() -> None:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete a call recording file", exc_info=True)

    transaction.on_commit(delete)
