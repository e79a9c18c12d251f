"""Settings → Calls (administrators): calls on or off, and whether calls are recorded
when the customer agrees. Call recordings in the console: the upload when a call ends
(the agent's console, one multipart POST with the CSRF token) and the player's download
(agents who can see the case); the rules are in calls/recordings.py."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts import selectors as account_selectors
from blockdesk.calls import recordings, selectors, services
from blockdesk.calls.models import Call
from blockdesk.common.errors import BlockdeskError, PayloadTooLarge, ValidationFailed
from blockdesk.workspace.http import (
    action_result,
    admin_required,
    agent_required,
    current_agent,
    error_json,
)

RECENT_CALLS = 20


@admin_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    context = {
        "section": "calls",
        "has_two_factor": account_selectors.has_two_factor(user=user),
        "options": services.call_settings(account_id=user.account_pk),
        "retention_days": settings.CALL_RECORDING_RETENTION_DAYS,
        "recent": Call.objects.filter(account_id=user.account_pk)
        .select_related("conversation", "agent")
        .order_by("-rang_at")[:RECENT_CALLS],
    }
    return render(request, "calls/settings.html", context)


@admin_required
@require_POST
def configure(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    back = reverse("calls_settings:index")
    try:
        services.do_update_call_settings(
            actor=user,
            calls_enabled=request.POST.get("calls_enabled") == "on",
            recording_enabled=request.POST.get("recording_enabled") == "on",
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, success=_("Call settings saved."))


# --- recordings ------------------------------------------------------------------------

_EXTENSIONS = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mp4": "m4a"}


@agent_required
@require_POST
def upload_recording(request: HttpRequest, call_id: int) -> HttpResponse:
    user = current_agent(request)
    try:
        # Refused before the multipart body is parsed when the client says it is too large.
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
def play_recording(request: HttpRequest, recording_id: int) -> FileResponse:
    user = current_agent(request)
    recording = selectors.get_recording_for_agent(user=user, recording_id=recording_id)
    response = FileResponse(recording.file.open("rb"), content_type=recording.content_type)
    ext = _EXTENSIONS.get(recording.content_type, "bin")
    response["Content-Disposition"] = f'attachment; filename="call-{recording.call_id}.{ext}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # A call's audio: never kept by a shared cache or the browser for the next user.
    response["Cache-Control"] = "private, no-store"
    return response
