"""Settings → Calls: administrators turn calls and the recording question on or off."""

from __future__ import annotations

import pytest
from django.test import Client

from blockdesk.calls.models import CallSettings
from blockdesk.calls.services import call_settings


@pytest.mark.django_db
def test_admin_turns_recording_on_and_an_agent_cannot(account, admin_user, agent):
    assert call_settings(account_id=account.pk).recording_enabled is False  # off by default
    admin = Client()
    admin.force_login(admin_user)
    page = admin.get("/app/settings/calls/")
    assert page.status_code == 200
    assert b"Ask customers whether a call may be recorded" in page.content
    # No camera or microphone on pages that place no call (the widget frame and the
    # conversation page allow them: tests/calls/test_browser_call.py).
    assert page["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    response = admin.post(
        "/app/settings/calls/configure/", {"calls_enabled": "on", "recording_enabled": "on"}
    )
    assert response.status_code == 302
    row = CallSettings.objects.get(account=account)
    assert row.calls_enabled and row.recording_enabled

    other = Client()
    other.force_login(agent)
    assert other.get("/app/settings/calls/").status_code in (302, 403, 404)
    other.post("/app/settings/calls/configure/", {})
    row.refresh_from_db()
    assert row.calls_enabled and row.recording_enabled
