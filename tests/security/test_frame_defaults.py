"""Secure defaults: a widget inbox with no allowed origins is framed by this server's own
pages only ("any site" is an explicit, warned-about opt-in), and an https:// public URL
turns on Secure cookies and HSTS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.connectors.services import do_create_web_widget_inbox

ROOT = Path(__file__).resolve().parents[2]


def _ancestors(client, channel: WebWidgetChannel) -> str:
    csp = client.get(f"/widget/frame/{channel.public_token}/")["Content-Security-Policy"]
    return csp.split("frame-ancestors ", 1)[1]


def test_a_new_inbox_is_framed_by_our_own_pages_only(client, channel):
    assert channel.allowed_origins == ""
    assert _ancestors(client, channel) == "'self'"


def test_the_demo_inbox_still_shows_on_the_same_origin_demo_page(client, account):
    # Like demo/seed_demo: no origins listed; /widget-demo/ is on this server, so 'self'.
    demo = do_create_web_widget_inbox(
        account=account, name="Website chat", website_url="http://127.0.0.1:8000/widget-demo/"
    )
    page = client.get("/widget-demo/")
    assert page.status_code == 200
    assert "'self'" in _ancestors(client, demo).split()


def test_any_site_is_an_explicit_opt_in(client, channel):
    channel.allowed_origins = "*"
    channel.save()
    assert _ancestors(client, channel) == "*"
    channel.allowed_origins = "https://exchange.example\n*"
    channel.save()
    assert _ancestors(client, channel) == "*"


def test_the_settings_ui_asks_for_origins_when_creating(admin_client, agent):
    form = admin_client.get("/app/settings/inboxes/new/").content.decode()
    assert 'name="allowed_origins"' in form
    bad = admin_client.post(
        "/app/settings/inboxes/new/",
        {"name": "Docs", "allowed_origins": "https://ok.example\nhttps://x.example;script-src *"},
    )
    assert bad.status_code == 200 and "is not an origin" in bad.content.decode()
    assert not WebWidgetChannel.objects.filter(inbox__name="Docs").exists()
    response = admin_client.post(
        "/app/settings/inboxes/new/",
        {"name": "Docs", "allowed_origins": "https://www.example.com/\nhttps://example.com"},
    )
    assert response.status_code == 302
    channel = WebWidgetChannel.objects.get(inbox__name="Docs")
    assert channel.allowed_origins.split() == ["https://www.example.com", "https://example.com"]


def test_the_settings_page_warns_when_any_site_may_frame(admin_client, channel):
    url = f"/app/settings/inboxes/{channel.inbox_id}/"
    html = admin_client.get(url).content.decode()
    assert 'data-testid="no-origin-note"' in html
    assert 'data-testid="any-origin-warning"' not in html
    response = admin_client.post(
        url, {"name": "Website", "color": "#1f6feb", "allowed_origins": "*", "members": []}
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.allows_any_origin
    html = admin_client.get(url).content.decode()
    assert 'data-testid="any-origin-warning"' in html
    admin_client.post(
        url,
        {"name": "Website", "color": "#1f6feb", "allowed_origins": "https://a.example"},
    )
    html = admin_client.get(url).content.decode()
    assert "any-origin-warning" not in html and "no-origin-note" not in html


def test_existing_widgets_keep_working_after_the_upgrade(channel, account):
    import importlib

    migration = importlib.import_module("blockdesk.connectors.migrations.0001_initial")
    listed = do_create_web_widget_inbox(
        account=account, name="Listed", allowed_origins="https://a.example"
    )
    migration.keep_any_origin(apps, None)
    channel.refresh_from_db()
    listed.refresh_from_db()
    assert channel.allowed_origins == "*" and channel.allows_any_origin
    assert listed.allowed_origins == "https://a.example"


# --- HSTS and Secure cookies --------------------------------------------------------


def _settings_with(env_extra: dict[str, str], tmp_path: Path) -> dict[str, object]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BLOCKDESK_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(BLOCKDESK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="blockdesk.settings")
    env.update(env_extra)
    code = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_HSTS_INCLUDE_SUBDOMAINS]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    secure, csrf_secure, hsts, subdomains = json.loads(out.strip().splitlines()[-1])
    return {"secure": secure, "csrf": csrf_secure, "hsts": hsts, "sub": subdomains}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {"secure": False, "csrf": False, "hsts": 0, "sub": False}),
        (
            {"BLOCKDESK_PUBLIC_URL": "https://support.example.com"},
            {"secure": True, "csrf": True, "hsts": 31536000, "sub": False},
        ),
        (
            {"BLOCKDESK_PUBLIC_URL": "HTTPS://support.example.com/"},
            {"secure": True, "csrf": True, "hsts": 31536000, "sub": False},
        ),
        (
            {
                "BLOCKDESK_PUBLIC_URL": "https://support.example.com",
                "BLOCKDESK_SECURE_COOKIES": "false",
                "BLOCKDESK_HSTS_SECONDS": "600",
                "BLOCKDESK_HSTS_INCLUDE_SUBDOMAINS": "true",
            },
            {"secure": False, "csrf": False, "hsts": 600, "sub": True},
        ),
        (
            {"BLOCKDESK_SECURE_COOKIES": "true", "BLOCKDESK_HSTS_SECONDS": "60"},
            {"secure": True, "csrf": True, "hsts": 60, "sub": False},
        ),
    ],
)
def test_https_public_url_means_secure_defaults(env, expected, tmp_path):
    assert _settings_with(env, tmp_path) == expected


def test_hsts_header_on_https_requests(client, settings, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    secure = client.get("/healthz", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/healthz")
