"""Request bodies that are too big, not UTF-8 or carry over-long fields: refused in the one
error shape (413 / 400 / 422), never an HTML page, a 500 or a silently cut value."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from blockdesk.conversations.models import Contact, Message
from tests.security.body_support import (  # noqa: F401  (fixtures, used by name)
    assert_error_shape,
    isolated_cache,
    visitor_fixture,
)

pytestmark = pytest.mark.django_db

THIRTEEN_MB = 13 * 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 4096


def _big_json() -> bytes:
    return b'{"locale": "' + b"x" * THIRTEEN_MB + b'"}'


def test_a_13_mb_json_body_is_a_413_in_the_error_shape_everywhere(channel, visitor):
    body = _big_json()
    client = Client()
    auth = {"Authorization": f"Bearer {visitor.token}"}
    for path, headers in [
        (f"/widget/api/{channel.public_token}/session", {}),
        (f"/widget/api/{channel.public_token}/me", auth),
        (f"/widget/api/{channel.public_token}/messages", auth),
        (f"/wallet/api/{channel.public_token}/challenge", auth),
        (f"/verify/widget/{channel.public_token}/anti-phishing-code", auth),
        (f"/assistant/widget/{channel.public_token}/quick-reply", auth),
        ("/api/v1/conversations", {"Authorization": "Bearer bdk_whatever"}),
    ]:
        response = client.post(path, body, content_type="application/json", headers=headers)
        assert_error_shape(response, 413, "too_large")
    assert Contact.objects.count() == 1  # only the visitor's own


def test_a_13_mb_body_of_another_type_on_an_api_path_is_json_too(channel):
    response = Client().post(
        f"/widget/api/{channel.public_token}/session",
        b"locale=" + b"x" * THIRTEEN_MB,
        content_type="application/x-www-form-urlencoded",
    )
    assert_error_shape(response, 413, "too_large")


def test_a_13_mb_form_on_a_page_is_a_plain_413():
    response = Client().post(
        "/accounts/login/",
        b"username=" + b"x" * THIRTEEN_MB,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


def test_multipart_uploads_are_measured_without_their_files(visitor, settings):
    # Attachments have their own limit: a body over DATA_UPLOAD_MAX_MEMORY_SIZE because of
    # its file still goes through; a form field over it does not.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    upload = SimpleUploadedFile("receipt.png", PNG, content_type="image/png")
    response = visitor.post_form(
        "messages",
        {"content": "screenshot", "idempotency_key": str(uuid.uuid4()), "attachments": upload},
    )
    assert response.status_code == 201, response.content
    upload = SimpleUploadedFile("receipt.png", PNG, content_type="image/png")
    response = visitor.post_form(
        "messages",
        {"content": "x" * 4096, "idempotency_key": str(uuid.uuid4()), "attachments": upload},
    )
    assert_error_shape(response, 413, "too_large")
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"locale": "\xff\xfe\xfd"}'),
        ("application/json", b'{"content": "\xc3\x28", "idempotency_key": "k"}'),
        ("application/json", b"\xef\xbb\xbf\xff"),
    ],
)
def test_invalid_utf8_json_is_a_400(visitor, channel, content_type, body):
    for path in ("session", "messages", "me"):
        response = visitor.client.post(
            visitor.base + path, body, content_type=content_type, headers=visitor._headers()
        )
        assert_error_shape(response, 400, "invalid_json")
    assert Message.objects.count() == 0


def test_invalid_utf8_in_a_form_body_is_not_a_500(visitor):
    for path in ("session", "messages", "me"):
        response = visitor.client.post(
            visitor.base + path,
            b"content=%FF%FE&idempotency_key=\xff\xfe&locale=\xc3\x28",
            content_type="application/x-www-form-urlencoded",
            headers=visitor._headers(),
        )
        assert response.status_code < 500, response.content
        assert response["Content-Type"].startswith("application/json")


def test_me_refuses_a_10_mb_name_and_stores_nothing(visitor):
    before = Contact.objects.get()
    response = visitor.post("me", {"name": "n" * (10 * 1024 * 1024), "email": "a@example.com"})
    assert_error_shape(response, (413, 422))
    if response.status_code == 422:
        assert "name" in response.json()["error"]["fields"]
    after = Contact.objects.get()
    assert (after.name, after.email) == (before.name, before.email) == ("", "")
    assert (before.locale, after.locale) == ("en", "en")


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "n" * 161), ("email", "e" * 250 + "@example.com"), ("locale", "x" * 17)],
)
def test_me_refuses_a_field_over_its_column_instead_of_cutting_it(visitor, field, value):
    before = getattr(Contact.objects.get(), field)
    response = visitor.post("me", {field: value})
    assert_error_shape(response, 422, "validation_error")
    assert field in response.json()["error"]["fields"]
    assert getattr(Contact.objects.get(), field) == before != value


def test_me_keeps_values_at_the_column_length(visitor):
    response = visitor.post("me", {"name": "n" * 160, "locale": "zh-hans"})
    assert response.status_code == 200, response.content
    assert Contact.objects.get().name == "n" * 160


def test_followup_refuses_an_overlong_email(visitor):
    sent = visitor.send("hello")
    assert sent.status_code == 201
    conversation_id = sent.json()["conversation"]["id"]
    response = visitor.post(
        f"conversations/{conversation_id}/followup", {"email": "e" * 300 + "@example.com"}
    )
    assert_error_shape(response, 422, "validation_error")
    assert "email" in response.json()["error"]["fields"]
