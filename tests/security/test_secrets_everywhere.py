"""A wallet secret typed into any free-text field, from any surface, is stored nowhere:
not in the database (every text of every row of every table), not in outgoing mail, not
in any log line. Names, notes and attributes keep a redaction marker; email addresses and
identity values holding a secret are refused (422, field named)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Contact, Conversation, Message
from blockdesk.notifications import services as mail_services
from blockdesk.notifications.event_consumers import CONSUMER
from blockdesk.safety import warning
from tests.api.conftest import ApiClient
from tests.security.secrets_support import (
    KEY,
    SECRETS,
    WIF,
    Secret,
    leaks,
    mail_text,
    stored_text,
)
from tests.support.event_log import drain
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db
V1 = "/api/v1"
by_kind = pytest.mark.parametrize("secret", SECRETS, ids=str)


@pytest.fixture(autouse=True)
def _all_logs(caplog: pytest.LogCaptureFixture, settings: Any) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PUBLIC_RATE_LIMIT = 1000
    return caplog


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    lines = [caplog.text]
    for record in caplog.records:
        lines.append(record.getMessage())
        lines.append(repr(record.args))
    return "\n".join(lines)


def assert_nowhere(secret: Secret, caplog: pytest.LogCaptureFixture) -> None:
    assert leaks(secret, stored_text()) == [], "stored in the database"
    assert leaks(secret, mail_text()) == [], "sent by mail"
    assert leaks(secret, log_text(caplog)) == [], "written to a log"


def error_fields(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.content
    return dict(response.json()["error"].get("fields") or {})


# --- the widget: /me and the follow-up email ---------------------------------------------


@by_kind
def test_widget_profile_name_is_redacted_and_visitor_warned(
    secret: Secret, channel: WebWidgetChannel, caplog: pytest.LogCaptureFixture
) -> None:
    visitor = Visitor(channel).start()
    response = visitor.post("me", {"name": secret.text})
    if response.status_code == 200:
        body = response.json()
        assert "[REDACTED" in body["visitor"]["name"]
        assert body["warning"] == warning("en")
        assert "[REDACTED" in Contact.objects.get().name
    else:  # longer than a name may be: refused before anything is stored
        assert "name" in error_fields(response)
    assert_nowhere(secret, caplog)


@by_kind
def test_widget_profile_email_with_a_secret_is_refused(
    secret: Secret, channel: WebWidgetChannel, caplog: pytest.LogCaptureFixture
) -> None:
    visitor = Visitor(channel).start()
    response = visitor.post("me", {"email": secret.as_email})
    assert "email" in error_fields(response)
    assert Contact.objects.get().email == ""
    assert_nowhere(secret, caplog)


@by_kind
@pytest.mark.django_db(transaction=True)  # the reply-email consumer reads committed events
def test_followup_email_with_a_secret_is_refused_with_the_warning(
    secret: Secret,
    channel: WebWidgetChannel,
    agent: Any,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    visitor = Visitor(channel).start()
    conv_id = visitor.send("my deposit is missing").json()["message"]["conversation_id"]
    response = visitor.post(f"conversations/{conv_id}/followup", {"email": secret.as_email})
    assert "email" in error_fields(response)
    if len(secret.as_email) <= 254:  # not cut short by the length bound first
        assert response.json()["error"]["message"] == warning("en")
    conv = Conversation.objects.get(pk=conv_id)
    assert conv.followup_email == ""
    # The visitor gives a real address; the agent's reply (pasting the secret) is mailed.
    ok = visitor.post(f"conversations/{conv_id}/followup", {"email": "me@example.com"})
    assert ok.status_code == 200, ok.content
    with django_capture_on_commit_callbacks(execute=True):
        conv_services.do_send_agent_message(
            agent=agent, conversation=conv, content=f"You sent us this: {secret.text}"
        )
    drain(CONSUMER)  # the event log schedules the reply email
    outcome = mail_services.do_send_reply_email(
        conversation_id=conv.pk, now=timezone.now() + timezone.timedelta(hours=1)
    )
    assert outcome == "sent"
    assert "[REDACTED" in mail_text()
    assert_nowhere(secret, caplog)


# --- the REST API: contacts -------------------------------------------------------------


@pytest.fixture
def api(admin_user: Any) -> ApiClient:
    from blockdesk.accounts.models import ApiToken
    from blockdesk.accounts.services import do_create_api_token

    _token, plain = do_create_api_token(
        actor=admin_user, name="CRM", scopes=list(ApiToken.Scope.values)
    )
    return ApiClient(plain)


@by_kind
def test_api_contact_create_redacts_name_notes_and_attributes(
    secret: Secret, api: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    body = {
        "name": secret.text[:160],
        "notes": f"Called today. {secret.text}",
        "attributes": {
            "backup": secret.text,
            "nested": {"list": [secret.text, {"deep": secret.text}]},
        },
    }
    response = api.post(f"{V1}/contacts", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert "[REDACTED" in out["notes"] and "Called today." in out["notes"]
    assert "[REDACTED" in out["attributes"]["backup"]
    assert "[REDACTED" in out["attributes"]["nested"]["list"][1]["deep"]
    assert_nowhere(secret, caplog)


@pytest.mark.parametrize("name", [WIF, KEY, KEY.upper()])
def test_api_attribute_names_are_redacted_too(
    name: str, api: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = api.post(f"{V1}/contacts", {"attributes": {name: "x"}})
    assert response.status_code == 201, response.content
    assert list(response.json()["attributes"]) == ["[REDACTED PRIVATE KEY]"]
    assert name[:20] not in stored_text()
    assert name[:20] not in log_text(caplog)


@by_kind
def test_api_contact_update_redacts_and_refuses_emails(
    secret: Secret, api: ApiClient, account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    contact = Contact.objects.create(account=account, name="Carol")
    path = f"{V1}/contacts/{contact.pk}"
    ok = api.patch(
        path,
        {"name": secret.text[:160], "notes": secret.text, "attributes": {"x": secret.text}},
    )
    assert ok.status_code == 200, ok.content
    assert "[REDACTED" in ok.json()["notes"] and "[REDACTED" in ok.json()["attributes"]["x"]
    assert "email" in error_fields(api.patch(path, {"email": secret.as_email}))
    created = api.post(f"{V1}/contacts", {"name": "Dan", "email": secret.as_email})
    assert "email" in error_fields(created)
    identity = api.post(
        f"{V1}/contacts", {"identities": [{"kind": "external", "value": secret.text[:255]}]}
    )
    assert "identities" in error_fields(identity)
    assert Contact.objects.count() == 1
    assert_nowhere(secret, caplog)


# --- the agent console and agents' notes --------------------------------------------------


@by_kind
def test_console_contact_notes_and_agent_notes_are_redacted(
    secret: Secret,
    channel: WebWidgetChannel,
    contact: Contact,
    agent: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    conv = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="help please"
    ).message.conversation
    client = Client()
    client.force_login(agent)
    response = client.post(
        f"/app/c/{conv.display_id}/contact-notes/",
        {"notes": f"VIP. {secret.text}"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    notes = response.json()["notes"]
    assert notes.startswith("VIP.") and "[REDACTED" in notes
    note = conv_services.do_send_agent_message(
        agent=agent, conversation=conv, content=f"customer pasted {secret.text}", private=True
    ).message
    assert "[REDACTED" in note.content
    reply = client.post(
        f"/app/c/{conv.display_id}/reply/",
        {"content": f"note: {secret.text}", "note": "on"},
        HTTP_ACCEPT="application/json",
    )
    assert reply.status_code == 200, reply.content
    assert "[REDACTED" in reply.json()["message"]["content"]
    assert_nowhere(secret, caplog)


def test_api_subject_of_a_new_conversation_is_redacted(
    api: ApiClient, channel: WebWidgetChannel, account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    secret = SECRETS[0]
    contact = Contact.objects.create(account=account, name="Erin")
    response = api.post(
        f"{V1}/conversations",
        {
            "inbox_id": channel.inbox.pk,
            "contact_id": contact.pk,
            "subject": secret.text[:200],
            "content": "hello",
        },
    )
    assert response.status_code in (200, 201), response.content
    assert "[REDACTED" in Conversation.objects.get().subject
    assert_nowhere(secret, caplog)


# --- public pages: the query string --------------------------------------------------------


@by_kind
def test_public_lookups_keep_the_query_out_of_logs_and_database(
    secret: Secret, account: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client()
    for path in ("/verify/", "/help/en/search/"):
        for param in ("value", "q"):
            client.get(path, {param: secret.text})
    assert_nowhere(secret, caplog)


# --- bare 0x + 64 hex ----------------------------------------------------------------------


def test_bare_0x_value_with_no_chain_is_redacted_and_customer_warned(
    channel: WebWidgetChannel, caplog: pytest.LogCaptureFixture
) -> None:
    visitor = Visitor(channel).start()
    sent = visitor.send(f"0x{KEY}")
    assert sent.status_code in (200, 201), sent.content
    conv = Conversation.objects.get()
    assert conv.secret_exposed
    contents = list(conv.messages.values_list("content", flat=True))
    assert "[REDACTED PRIVATE KEY]" in contents[0]
    system = conv.messages.get(sender_type=Message.SenderType.SYSTEM)
    assert system.content == warning("en")
    assert KEY[:20] not in stored_text()
    assert KEY[:20] not in log_text(caplog)


# --- help-center feedback and file names ----------------------------------------------------


@by_kind
def test_help_center_feedback_comment_is_redacted(
    secret: Secret, agent: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from blockdesk.kb.models import ArticleFeedback, Category
    from tests.kb.conftest import make_article

    category = Category.objects.create(account=agent.account, key="deposits", names={"en": "D"})
    make_article(agent, category)
    response = Client().post(
        "/help/en/deposits/deposit-help/feedback/",
        {"helpful": "no", "comment": f"did not help. {secret.text}"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    assert "[REDACTED" in ArticleFeedback.objects.get().comment
    assert_nowhere(secret, caplog)


@pytest.mark.parametrize("name", [f"{WIF}.png", f"{KEY}.png"])
def test_attachment_file_names_are_redacted(
    name: str, channel: WebWidgetChannel, caplog: pytest.LogCaptureFixture
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from blockdesk.conversations.models import Attachment
    from tests.widget.test_api import PNG

    visitor = Visitor(channel).start()
    upload = SimpleUploadedFile(name, PNG, content_type="image/png")
    response = visitor.post_form(
        "messages", {"content": "screenshot", "idempotency_key": "k" * 12, "attachments": upload}
    )
    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get()
    assert attachment.filename.endswith(".png") and "REDACTED" in attachment.filename
    assert name[:20] not in stored_text() and name[:20] not in log_text(caplog)


def test_a_tag_holding_a_seed_phrase_is_refused(
    channel: WebWidgetChannel, contact: Contact, agent: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A Chinese seed phrase written without spaces fits in a tag (a unicode slug)."""
    from mnemonic import Mnemonic

    from blockdesk.common.errors import ValidationFailed

    seed = Mnemonic("chinese_simplified").to_mnemonic(bytes(range(16))).replace(" ", "")
    conv = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="help please"
    ).message.conversation
    with pytest.raises(ValidationFailed) as refused:
        conv_services.do_set_tags(actor=agent, conversation=conv, names=["vip", seed])
    assert "tags" in refused.value.fields
    assert seed not in stored_text() and seed not in log_text(caplog)


@by_kind
def test_a_canned_reply_holding_a_secret_is_refused_on_the_form(
    secret: Secret, admin_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from blockdesk.conversations.models import CannedReply

    client = Client()
    client.force_login(admin_user)
    url = "/app/settings/canned-replies/"
    page = client.post(url, {"shortcut": "deposit", "content": f"Send us {secret.text} now"})
    assert page.status_code == 200  # the form again, with the error on the field
    assert "This looks like a wallet secret and was not saved." in page.content.decode()
    assert not CannedReply.objects.exists()
    saved = client.post(url, {"shortcut": "deposit", "content": "Which network did you use?"})
    assert saved.status_code == 302 and CannedReply.objects.count() == 1
    reply = CannedReply.objects.get()
    edit = client.post(
        f"{url}{reply.pk}/", {"shortcut": "deposit", "content": f"Key: {secret.text}"}
    )
    assert edit.status_code == 200
    reply.refresh_from_db()
    assert reply.content == "Which network did you use?"
    assert_nowhere(secret, caplog)
