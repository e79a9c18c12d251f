"""The public page and GET /api/v1/trust/check: no login or token, one error shape,
limited per IP, and everything a visitor typed comes back escaped."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
CHECK = "/api/v1/trust/check"


def test_api_check_needs_no_token_and_answers_yes(client, registry):
    response = client.get(CHECK, {"value": "https://www.example-exchange.com/login"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verdict"] == "yes"
    assert body["official"]["value"] == "example-exchange.com"
    assert body["official"]["since"]
    assert body["imitates"] is None


def test_api_check_names_the_imitated_channel(client, registry):
    body = client.get(CHECK, {"value": "exаmple-exchange.com"}).json()
    assert body["verdict"] == "no"
    assert body["technique"] == "homoglyph"
    assert body["imitates"]["value"] == "example-exchange.com"
    assert body["official"] is None
    assert "example-exchange.com" in body["explanation"]


def test_api_check_unknown(client, registry):
    body = client.get(CHECK, {"value": "google.com"}).json()
    assert body["verdict"] == "unknown" and body["imitates"] is None


def test_api_check_errors_have_the_one_shape(client, registry):
    missing = client.get(CHECK)
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "validation_error"
    garbage = client.get(CHECK, {"value": "http://exa mple.com"})
    assert garbage.status_code == 422
    assert set(garbage.json()["error"]) >= {"code", "message", "fields"}
    assert "value" in garbage.json()["error"]["fields"]


@pytest.mark.usefixtures("steady_rate_window")
def test_api_check_is_rate_limited_per_ip(registry, settings):
    settings.TRUST_CHECK_RATE_LIMIT = 3
    settings.TRUST_CHECK_RATE_WINDOW = 60
    first, second = Client(REMOTE_ADDR="203.0.113.1"), Client(REMOTE_ADDR="203.0.113.2")
    for _ in range(3):
        assert first.get(CHECK, {"value": "google.com"}).status_code == 200
    limited = first.get(CHECK, {"value": "google.com"})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert second.get(CHECK, {"value": "google.com"}).status_code == 200  # another IP
    # The page shares the budget of the API.
    page = first.get("/verify/", {"value": "google.com"})
    assert page.status_code == 429 and page["Retry-After"]


def test_page_without_a_value_lists_the_official_channels(client, registry):
    response = client.get("/verify/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Is this really us?" in html
    assert "example-exchange.com" in html and "@ExampleExchange_Support" in html
    assert "Support bot" in html
    assert response["Cache-Control"] == "private, no-store"


def test_page_shows_a_verdict_without_javascript(client, registry):
    yes = client.get("/verify/", {"value": "t.me/ExampleExchange_Support"}).content.decode()
    assert 'data-verdict="yes"' in yes
    no = client.get("/verify/", {"value": "example-exchange.com.evil.io"}).content.decode()
    assert 'data-verdict="no"' in no and "evil.io" in no
    unknown = client.get("/verify/", {"value": "python.org"}).content.decode()
    assert 'data-verdict="unknown"' in unknown


def test_page_escapes_what_was_typed(client, registry):
    payload = '"><script>alert(1)</script>@evil.io'
    response = client.get("/verify/", {"value": payload})
    html = response.content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html or "&quot;&gt;" in html


def test_page_has_no_inline_script_or_style(client, registry):
    response = client.get("/verify/", {"value": "exаmple-exchange.com"})
    html = response.content.decode()
    assert "style=" not in html and "onclick" not in html
    assert "<script>" not in html  # only <script src=…>
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert '<meta name="viewport"' in html


def test_page_speaks_chinese(client, registry):
    client.cookies["django_language"] = "zh-hans"
    response = client.get("/verify/", {"value": "google.com"})
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"


def test_page_is_404_before_any_account_exists(client, db):
    assert client.get("/verify/").status_code == 404
