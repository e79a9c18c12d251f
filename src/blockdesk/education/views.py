"""Console pages at /app/education/: guides (with completions), sessions (with
registrations), the welcome sequence's steps; sending a guide into a conversation (agents);
scheduling a session and adding a welcome step (administrators)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.education import onboarding, selectors, sending, sessions
from blockdesk.education.models import WelcomeStep
from blockdesk.workspace.http import action_result, admin_required, agent_required, current_agent


def _int(value: str | None, field: str) -> int:
    try:
        return int(value or "")
    except ValueError as exc:
        raise ValidationFailed.field(field, _("A number.")) from exc


@agent_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    return render(
        request,
        "education/console/index.html",
        {
            "section": "education",
            "guides": selectors.agent_guides(user=user),
            "sessions": selectors.agent_sessions(user=user)[:50],
            "steps": WelcomeStep.objects.filter(account_id=user.account_pk),
        },
    )


@agent_required
@require_POST
def send_guide(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    back = request.POST.get("next", "")
    if not back.startswith("/app/"):
        back = reverse("education:index")
    try:
        sending.do_send_guide(
            actor=user,
            conversation_display_id=_int(request.POST.get("case"), "case"),
            guide_id=_int(request.POST.get("guide"), "guide"),
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, success=_("Guide sent."))


@admin_required
@require_POST
def create_session(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    back = reverse("education:index")
    try:
        starts = parse_datetime(request.POST.get("starts_at", ""))
        if starts is None:
            raise ValidationFailed.field("starts_at", _("A date and time."))
        if starts.tzinfo is None:
            starts = starts.replace(tzinfo=dt.UTC)
        sessions.do_save_session(
            actor=user,
            values={
                "title": request.POST.get("title", ""),
                "description": request.POST.get("description", ""),
                "language": request.POST.get("language", "en")[:16],
                "starts_at": starts,
                "duration_minutes": _int(request.POST.get("duration_minutes", "60"), "duration"),
                "join_url": request.POST.get("join_url", ""),
                "recording_url": request.POST.get("recording_url", ""),
            },
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, success=_("Session scheduled."))


@admin_required
@require_POST
def set_recording(request: HttpRequest, session_id: int) -> HttpResponse:
    user = current_agent(request)
    back = reverse("education:index")
    try:
        sessions.do_save_session(
            actor=user,
            session_id=session_id,
            values={"recording_url": request.POST.get("recording_url", "")},
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, success=_("Saved."))


@admin_required
@require_POST
def add_step(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    back = reverse("education:index")
    try:
        onboarding.do_add_step(
            actor=user,
            delay_hours=_int(request.POST.get("delay_hours"), "delay_hours"),
            subject={
                "en": request.POST.get("subject_en", ""),
                "zh-hans": request.POST.get("subject_zh", ""),
            },
            body={
                "en": request.POST.get("body_en", ""),
                "zh-hans": request.POST.get("body_zh", ""),
            },
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, success=_("Saved."))
