from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from blockdesk.common.errors import NotFound, PayloadTooLarge, ValidationFailed
from blockdesk.conversations import selectors, services
from blockdesk.conversations.models import Conversation, ConversationEvent, Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_contact_message_opens_conversation_with_display_numbers(channel, contact):
    first = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hello"
    )
    second = services.do_send_contact_message(
        contact=contact,
        inbox=channel.inbox,
        conversation=first.message.conversation,
        content="again",
    )
    conv = first.message.conversation
    assert first.created and second.created
    assert second.message.conversation_id == conv.pk
    assert conv.display_id == 1
    conv.refresh_from_db()
    assert conv.last_message_id == second.message.pk
    assert [e.kind for e in conv.events.all()] == [ConversationEvent.Kind.OPENED]


def test_idempotency_key_stores_once(channel, contact):
    a = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hi", idempotency_key="k1"
    )
    b = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hi", idempotency_key="k1"
    )
    assert a.created and not b.created
    assert a.message.pk == b.message.pk
    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1


def test_agent_reply_sets_first_response_and_assigns(channel, contact, agent):
    sent = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="q"
    )
    conv = sent.message.conversation
    services.do_send_agent_message(agent=agent, conversation=conv, content="a")
    conv.refresh_from_db()
    assert conv.first_response_at is not None
    assert conv.assignee_id == agent.pk


def test_private_note_is_not_a_response_and_hidden_from_contact(channel, contact, agent):
    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="q"
    ).message.conversation
    services.do_send_agent_message(agent=agent, conversation=conv, content="internal", private=True)
    conv.refresh_from_db()
    assert conv.first_response_at is None
    public = selectors.conversation_messages(conversation=conv, include_private=False)
    assert [m.content for m in public] == ["q"]


def test_agent_without_inbox_access_gets_not_found(channel, contact, outsider):
    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="q"
    ).message.conversation
    with pytest.raises(NotFound):
        services.do_send_agent_message(agent=outsider, conversation=conv, content="hi")
    with pytest.raises(NotFound):
        selectors.get_conversation_for_agent(user=outsider, display_id=conv.display_id)


def test_status_machine_snooze_requires_future_time(channel, contact, agent):
    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="q"
    ).message.conversation
    with pytest.raises(ValidationFailed) as err:
        services.do_change_status(actor=agent, conversation=conv, status="snoozed")
    assert "snoozed_until" in err.value.fields
    past = timezone.now() - dt.timedelta(minutes=1)
    with pytest.raises(ValidationFailed):
        services.do_change_status(
            actor=agent, conversation=conv, status="snoozed", snoozed_until=past
        )
    until = timezone.now() + dt.timedelta(hours=1)
    conv = services.do_change_status(
        actor=agent, conversation=conv, status="snoozed", snoozed_until=until
    )
    assert conv.status == "snoozed"
    assert services.do_reopen_due_snoozed(now=until + dt.timedelta(seconds=1)) == 1
    conv.refresh_from_db()
    assert conv.status == "open" and conv.snoozed_until is None


def test_resolve_then_customer_writes_opens_new_case(channel, contact, agent):
    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="q"
    ).message.conversation
    services.do_change_status(actor=agent, conversation=conv, status="resolved")
    conv.refresh_from_db()
    assert conv.resolved_at is not None
    again = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=conv, content="new"
    )
    assert again.message.conversation_id != conv.pk


def test_message_limits(channel, contact, settings):
    settings.MESSAGE_MAX_LENGTH = 10
    with pytest.raises(ValidationFailed) as err:
        services.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=None, content="x" * 11
        )
    assert err.value.fields == {"content": [err.value.message]}
    with pytest.raises(ValidationFailed):
        services.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=None, content="   "
        )
    assert Message.objects.count() == 0


def test_attachment_checks(channel, contact, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    big = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n" + b"0" * 200, content_type="image/png")
    with pytest.raises(PayloadTooLarge):
        services.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=None, content="", attachments=[big]
        )
    exe = SimpleUploadedFile("a.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(ValidationFailed):
        services.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=None, content="", attachments=[exe]
        )
    fake_png = SimpleUploadedFile("a.png", b"<html>", content_type="image/png")
    with pytest.raises(ValidationFailed):
        services.do_send_contact_message(
            contact=contact,
            inbox=channel.inbox,
            conversation=None,
            content="",
            attachments=[fake_png],
        )
    ok = SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n0000", content_type="image/png")
    sent = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="", attachments=[ok]
    )
    att = sent.message.attachments.get()
    assert att.size == 12 and att.content_type == "image/png"
    assert Message.objects.count() == 1


def test_filters_and_unread(channel, contact, agent):
    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="need help with USDT"
    ).message.conversation
    assert selectors.unread_counts(user=agent) == {"mine": 0, "unassigned": 1, "all": 1}
    f = selectors.ConversationFilters(view="all", status="open", q="usdt")
    assert list(selectors.filter_conversations(user=agent, filters=f)) == [conv]
    services.do_set_tags(actor=agent, conversation=conv, names=["deposit", "usdt"])
    f2 = selectors.ConversationFilters(tag="deposit")
    assert list(selectors.filter_conversations(user=agent, filters=f2)) == [conv]
    services.do_mark_read(user=agent, conversation=conv)
    assert selectors.unread_counts(user=agent)["all"] == 0


def test_a_status_change_reads_the_tags_once_for_its_event_and_its_push(
    channel, contact, agent, django_assert_max_num_queries
):
    from django.db import connection
    from django.db.models import prefetch_related_objects
    from django.test.utils import CaptureQueriesContext

    from blockdesk.events.models import Event

    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="USDT 充值没到账"
    ).message.conversation
    services.do_set_tags(actor=agent, conversation=conv, names=["usdt", "充值", "deposit"])
    fresh = Conversation.objects.get(pk=conv.pk)
    with django_assert_max_num_queries(1):
        assert fresh.tag_names() == sorted(["usdt", "充值", "deposit"])
    prefetch_related_objects([fresh], "tags")
    with django_assert_max_num_queries(0):
        assert fresh.tag_names() == sorted(["usdt", "充值", "deposit"])
    # The event and the card both carry the tags (one read between them).
    with CaptureQueriesContext(connection) as seen:
        services.do_change_status(actor=agent, conversation=conv, status="pending")
    tag_reads = [q["sql"] for q in seen.captured_queries if "conversation_tags" in q["sql"]]
    assert len(tag_reads) == 1, tag_reads
    event = Event.objects.filter(name="conversation.status_changed").latest("id")
    assert event.payload["conversation"]["tags"] == sorted(["usdt", "充值", "deposit"])
    assert Conversation.objects.get(pk=conv.pk).tags.count() == 3


def test_a_message_just_sent_serialises_without_a_statement(
    channel, contact, django_assert_num_queries, monkeypatch
):
    from django.db.models.sql.compiler import SQLCompiler

    from blockdesk.conversations.models import Attachment
    from blockdesk.conversations.serializers import message_dict, public_message_dict

    compiled: list[type] = []
    execute_sql = SQLCompiler.execute_sql

    def counted(self: SQLCompiler, *args: object, **kwargs: object) -> object:
        compiled.append(self.query.model)
        return execute_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "execute_sql", counted)
    sent = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="没有附件 no files"
    ).message
    with django_assert_num_queries(0):
        for _ in range(2):  # the push, the webhook payload, the response: each reads them
            full = message_dict(sent)
            assert full["attachments"] == [] and full["content"] == "没有附件 no files"
            assert public_message_dict(sent, full=full)["attachments"] == []
    # Its attachments are known to be none: no query built for them at all (an unfetched
    # none() runs the SQL compiler to find out it is empty).
    assert Attachment not in compiled
    monkeypatch.undo()
    assert list(Message.objects.get(pk=sent.pk).attachments.all()) == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_labels_in_pushes_are_the_choices_display(channel, contact, agent, language):
    from django.utils import translation

    from blockdesk.conversations.serializers import event_dict, message_dict

    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hi"
    ).message.conversation
    services.do_change_status(actor=agent, conversation=conv, status="pending")
    event = ConversationEvent.objects.filter(conversation=conv).latest("id")
    note = Message.objects.create(conversation=conv, sender_type="system", content="x")
    with translation.override(language):
        assert event_dict(event)["label"] == str(event.get_kind_display())
        assert message_dict(note)["sender_name"] == str(note.get_sender_type_display())
        event.kind = "retired_kind"  # a stored value whose choice is gone: shown as stored
        assert event_dict(event)["label"] == "retired_kind" == event.get_kind_display()


def test_a_status_change_pushes_the_card_as_stored_reading_the_case_once(
    channel, contact, agent, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from blockdesk.conversations.serializers import conversation_dict
    from blockdesk.conversations.services import _common

    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="deposit missing"
    ).message.conversation
    services.do_assign(actor=agent, conversation=conv, assignee=agent)
    pushed: list[dict] = []
    monkeypatch.setattr(
        _common, "publish_on_commit", lambda groups, payload: pushed.append(payload)
    )
    with CaptureQueriesContext(connection) as seen:
        services.do_change_status(actor=agent, conversation=conv, status="pending")
    reads = [
        q["sql"]
        for q in seen.captured_queries
        if q["sql"].lstrip().startswith("SELECT") and '"conversations_conversation"' in q["sql"]
    ]
    assert len(reads) == 1, reads  # the locked read, with contact and assignee joined
    card = next(p["conversation"] for p in pushed if p["type"] == "conversation.updated")
    stored = Conversation.objects.select_related("contact", "assignee").get(pk=conv.pk)
    assert card == conversation_dict(stored)
    assert card["status"] == "pending" and card["assignee_name"] == agent.public_name
