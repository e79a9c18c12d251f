"""The console's call recordings: the upload when a call ends (the agent's console, one
multipart POST with the CSRF token) and the player's download (agents who can see the
case). Rules in calls/recordings.py."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.calls import recordings, selectors
from blockdesk.common.errors import BlockdeskError, PayloadTooLarge, ValidationFailed
from blockdesk.workspace.http import agent_required, current_agent, error_json

_EXTENSIONS = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a"}


@agent_required
@require_POST
def upload(request: HttpRequest, call_id: int) -> HttpResponse:
    user = current_agent(request)
    try:
        # Refused before the body is read when the client says it is too large.
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > settings.CALL_RECORDING_MAX_BYTES + 64 * 1024:
            raise PayloadTooLarge(
                _("The recording is larger than %(mb)d MB.")
                % {"mb": settings.CALL_RECORDING_MAX_BYTES // (1024 * 1024)}
            )
        file = request.FILES.get("recording")
        if file is None:
            raise ValidationFailed.field("recording", _("No recording was sent."))
        recording = recordings.do_save_recording(user=user, call_id=call_id, upload=file)
    except BlockdeskError as exc:
        return error_json(exc)
    return JsonResponse({"ok": True, "recording_id": recording.pk}, status=201)


@agent_required
@require_GET
def play(request: HttpRequest, recording_id: int) -> FileResponse:
    user = current_agent(request)
    recording = selectors.get_recording_for_agent(user=user, recording_id=recording_id)
    response = FileResponse(recording.file.open("rb"), content_type=recording.content_type)
    ext = _EXTENSIONS.get(recording.content_type, "bin")
    response["Content-Disposition"] = f'attachment; filename="call-{recording.call_id}.{ext}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # A call's audio: never kept by a shared cache or the browser for the next user.
    response["Cache-Control"] = "private, no-store"
    return response
