"""Erasing a customer's data at their request (conversations/erasure.py): the contact, its
conversations, messages and attachment files go; the events about them lose their data and
are never handed to a consumer again; the service records of the cases keep only their
hashes (the log still verifies); stored webhook bodies lose their data and unsent ones are
not sent; one `contact.erased` event says what went, without personal data."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.common.errors import Forbidden, NotFound, ValidationFailed
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.conversations import services as conv
from blockdesk.conversations.erasure import do_erase_contact
from blockdesk.conversations.models import Attachment, Contact, Conversation, Message
from blockdesk.events import consumers
from blockdesk.events.models import Event
from blockdesk.records import verify
from blockdesk.records.models import RecordCase, RecordEntry, RecordLog
from blockdesk.webhooks.models import WebhookDelivery
from blockdesk.webhooks.services import do_create_webhook
from tests.conftest import PASSWORD
from tests.support.event_log import drain
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_TEXT = "my name is Carol Example and I live at 1 Main Street"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _private_targets(settings: Any) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def _case(
    visitor: Visitor, agent: User, text: str = SECRET_TEXT, filename: str = "passport.png"
) -> Conversation:
    sent = visitor.send(text)
    assert sent.status_code == 201, sent.content
    case = Conversation.objects.get(pk=sent.json()["conversation"]["id"])
    upload = SimpleUploadedFile(filename, PNG, content_type="image/png")
    attached = visitor.post_form(
        "messages",
        {
            "content": f"my {filename}",
            "idempotency_key": str(uuid.uuid4()),
            "conversation_id": case.pk,
            "attachments": upload,
        },
    )
    assert attached.status_code == 201, attached.content
    conv.do_assign(actor=agent, conversation=case, assignee=agent)
    conv.do_send_agent_message(agent=agent, conversation=case, content=f"Thanks, on it: {text}")
    conv.do_change_status(actor=agent, conversation=case, status="resolved")
    return case


def test_erasure_removes_the_data_everywhere_and_the_records_still_verify(
    channel: WebWidgetChannel, agent: User, admin_user: User
) -> None:
    do_create_webhook(
        actor=admin_user,
        url="http://127.0.0.1:9/hook",
        events=["message.created", "contact.erased"],
    )
    visitor = Visitor(channel).start()
    case = _case(visitor, agent)
    contact = case.contact
    files = list(Attachment.objects.values_list("file", flat=True))
    assert files and all(default_storage.exists(name) for name in files)
    drain("records.case_steps")
    drain("webhooks.fan_out")
    assert WebhookDelivery.objects.filter(event="message.created").count() == 3
    bystander = _case(
        Visitor(channel, ip="198.51.100.40").start(), agent, "where is my USDT?", "tx.png"
    )
    before = Event.objects.count()

    erased = do_erase_contact(actor=admin_user, contact=contact, confirmed=True)

    assert (erased.conversations, erased.messages, erased.attachments) == (1, 3, 1)
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert not Conversation.objects.filter(pk=case.pk).exists()
    assert not Message.objects.filter(conversation_id=case.pk).exists()
    assert not any(default_storage.exists(name) for name in files)
    assert Conversation.objects.filter(pk=bystander.pk).exists()  # only this customer

    # The log keeps its shape; the events about the customer have no data left.
    assert Event.objects.count() == before + 1
    about = Event.objects.filter(redacted_at__isnull=False)
    assert about.count() == erased.redacted_events >= 7
    assert all(e.payload == {} for e in about)
    dump = json.dumps(list(Event.objects.values_list("payload", flat=True)))
    assert "Carol" not in dump and "passport.png" not in dump
    erasure = Event.objects.get(name="contact.erased")
    assert erasure.payload["conversation_ids"] == [case.pk]
    assert erasure.actor_id == admin_user.pk

    # A consumer reading the log now never sees the redacted events.
    seen: list[str] = []
    consumers.register_consumer("t.after_erasure", lambda e: seen.append(e.name))
    try:
        drain("t.after_erasure")
    finally:
        consumers.unregister_consumer("t.after_erasure")
    assert "contact.erased" in seen
    assert len(seen) == Event.objects.filter(redacted_at__isnull=True).count()

    # Service records: the case keeps only hashes; the log verifies.
    drain("records.case_steps")
    record_case = RecordCase.objects.get(case_ref=f"conv-{case.pk}")
    assert record_case.erased_at is not None
    entries = RecordEntry.objects.filter(case=record_case)
    assert entries.exists() and all(e.content is None and e.salt is None for e in entries)
    log = RecordLog.objects.get(account=channel.inbox.account)
    assert verify.verify_log(log).erased == entries.count()

    # Webhooks: stored bodies lose their data; the receivers hear of the erasure.
    drain("webhooks.fan_out")
    for delivery in WebhookDelivery.objects.filter(event="message.created"):
        if delivery.payload["data"].get("conversation_id") == bystander.pk:
            continue
        assert delivery.payload["data"] == {} and delivery.payload["redacted"] is True
        assert delivery.status == WebhookDelivery.Status.FAILED
    assert "Carol" not in json.dumps(
        list(WebhookDelivery.objects.values_list("payload", flat=True))
    )
    notice = WebhookDelivery.objects.get(event="contact.erased")
    assert notice.payload["data"]["contact_id"] == contact.pk


def test_only_an_administrator_of_the_account_erases_and_only_when_confirmed(
    channel: WebWidgetChannel, agent: User, admin_user: User, other_account: Account
) -> None:
    case = _case(Visitor(channel).start(), agent)
    stranger = do_create_agent(
        account=other_account,
        username="mallory",
        email="mallory@example.com",
        password=PASSWORD,
        role=User.Role.ADMIN,
    )
    with pytest.raises(Forbidden):
        do_erase_contact(actor=agent, contact=case.contact, confirmed=True)
    with pytest.raises(NotFound):
        do_erase_contact(actor=stranger, contact=case.contact, confirmed=True)
    with pytest.raises(ValidationFailed) as refused:
        do_erase_contact(actor=admin_user, contact=case.contact, confirmed=False)
    assert "confirm" in refused.value.fields
    assert Conversation.objects.filter(pk=case.pk).exists()
    assert not Event.objects.filter(name="contact.erased").exists()
    assert not Event.objects.filter(redacted_at__isnull=False).exists()


def test_the_console_offers_erasure_to_administrators_only(
    channel: WebWidgetChannel, agent: User, admin_user: User
) -> None:
    case = _case(Visitor(channel).start(), agent)
    page = reverse("workspace:conversation", args=[case.display_id])
    erase = reverse("workspace:erase_contact", args=[case.display_id])
    as_agent, as_admin = Client(), Client()
    as_agent.force_login(agent)
    as_admin.force_login(admin_user)
    assert erase not in as_agent.get(page).content.decode()
    assert erase in as_admin.get(page).content.decode()

    assert as_agent.post(erase, {"confirm": "yes"}).status_code == 302
    assert Conversation.objects.filter(pk=case.pk).exists()  # refused, with a message
    refused = as_admin.post(erase, {}, HTTP_ACCEPT="application/json")
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["confirm"]
    done = as_admin.post(erase, {"confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == reverse("workspace:inbox")
    assert not Conversation.objects.filter(pk=case.pk).exists()
    assert as_admin.get(page).status_code == 404
