"""Replies emailed to a customer's follow-up address, through a REAL SMTP server on loopback
(aiosmtpd): language, anti-phishing code, escaping, batching, seen-live, retries, the task.
A reply is scheduled by the reply-email consumer of the event log (message.created), which
these tests run as `manage.py events run` does (tests.support.event_log.drain)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import smtplib
from collections.abc import Iterator
from email.message import Message as MimeMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from blockdesk.common.email_url import SMTP_BACKEND
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, ConversationEvent
from blockdesk.events.services import do_replay
from blockdesk.notifications import services
from blockdesk.notifications.event_consumers import CONSUMER
from blockdesk.notifications.models import ReplyEmail
from blockdesk.trust.services import do_set_anti_phishing_code
from tests.support.event_log import drain
from tests.support.live_server import free_port

# Transactional: the consumer reads committed events only, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

LATER = dt.timedelta(minutes=10)


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], MimeMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def only(self) -> MimeMessage:
        assert len(self.messages) == 1, [m["Subject"] for _, m in self.messages]
        return self.messages[0][1]


@pytest.fixture
def smtp(settings: Any) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Demo Support <support@demo-exchange.example>"
    try:
        yield mailbox
    finally:
        controller.stop()


def parts(message: MimeMessage) -> dict[str, str]:
    out = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            out[part.get_content_type()] = part.get_content()  # type: ignore[attr-defined]
    return out


@pytest.fixture
def conversation(channel, contact, django_capture_on_commit_callbacks) -> Conversation:
    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="Deposit missing"
    )
    conv = sent.message.conversation
    conv_services.do_leave_followup_email(
        contact=contact, conversation=conv, email="wang@example.com"
    )
    conv.refresh_from_db()
    return conv


def reply(agent, conv, content: str, capture, private: bool = False):  # type: ignore[no-untyped-def]
    with capture(execute=True):  # after-commit work runs, as in production
        message = conv_services.do_send_agent_message(
            agent=agent, conversation=conv, content=content, private=private
        ).message
    drain(CONSUMER)
    return message


def send_due(conv: Conversation) -> str:
    return services.do_send_reply_email(conversation_id=conv.pk, now=timezone.now() + LATER)


def test_reply_reaches_the_mailbox_in_chinese_with_the_code_in_both_parts(
    smtp, agent, contact, conversation, django_capture_on_commit_callbacks
):
    contact.locale = "zh-hans"
    contact.save(update_fields=["locale"])
    do_set_anti_phishing_code(contact=contact, code="Blue Tiger 42")
    reply(agent, conversation, "您的充值已到账。", django_capture_on_commit_callbacks)
    state = ReplyEmail.objects.get(conversation=conversation)
    assert state.due_at is not None and state.due_at > timezone.now()
    assert services.do_send_reply_email(conversation_id=conversation.pk) == "skipped"  # not due
    assert smtp.messages == []

    assert send_due(conversation) == "sent"
    message = smtp.only()
    assert smtp.messages[0][0] == ["wang@example.com"]
    assert f"#{conversation.display_id}" in str(message["Subject"])
    assert message["From"] == "Demo Support <support@demo-exchange.example>"
    root = f"<blockdesk.conversation.{conversation.pk}@demo-exchange.example>"
    assert message["References"] == message["In-Reply-To"] == root
    text, html = parts(message)["text/plain"], parts(message)["text/html"]
    for body in (text, html):
        assert "Blue Tiger 42" in body and "防钓鱼码" in body
        assert "您的充值已到账。" in body
        assert "助记词" in body  # the "we never ask" line, in Chinese
    assert text.index("Blue Tiger 42") < text.index("您的充值已到账。")  # the code comes first
    assert 'lang="zh-hans"' in html

    event = ConversationEvent.objects.get(conversation=conversation, kind="reply_emailed")
    assert event.data == {"to": "w***@example.com", "count": 1} and not event.is_public
    assert send_due(conversation) == "skipped"  # nothing due any more


def test_without_a_code_no_code_is_shown_or_invented(
    smtp, agent, conversation, django_capture_on_commit_callbacks
):
    reply(agent, conversation, "We found it.", django_capture_on_commit_callbacks)
    assert send_due(conversation) == "sent"
    text = parts(smtp.only())["text/plain"]
    assert "Your anti-phishing code" not in text
    assert "Tip: set an anti-phishing code in the chat window" in text
    assert "We found it." in text and "Replies to this email are not read." in text


def test_notes_are_never_emailed(smtp, agent, conversation, django_capture_on_commit_callbacks):
    reply(agent, conversation, "internal: VIP, 10 BTC", django_capture_on_commit_callbacks, True)
    assert not ReplyEmail.objects.exists()
    reply(agent, conversation, "Checking now", django_capture_on_commit_callbacks)
    assert send_due(conversation) == "sent"
    assert "VIP" not in str(parts(smtp.only()))


def test_a_reply_seen_live_is_not_emailed(
    smtp, agent, contact, conversation, django_capture_on_commit_callbacks
):
    seen = reply(agent, conversation, "Answered live", django_capture_on_commit_callbacks)
    assert conv_services.do_mark_read_by_contact(
        contact_id=contact.pk, conversation_id=conversation.pk, message_id=seen.pk
    )
    assert send_due(conversation) == "nothing_new"
    assert smtp.messages == []
    unseen = reply(agent, conversation, "And one more thing", django_capture_on_commit_callbacks)
    assert send_due(conversation) == "sent"
    text = parts(smtp.only())["text/plain"]
    assert "And one more thing" in text and "Answered live" not in text
    assert ReplyEmail.objects.get().last_emailed_message_id == unseen.pk


def test_seen_marks_move_only_forward_and_only_for_the_own_contact(
    agent, contact, conversation, django_capture_on_commit_callbacks
):
    from blockdesk.conversations.models import Contact

    first = reply(agent, conversation, "one", django_capture_on_commit_callbacks)
    second = reply(agent, conversation, "two", django_capture_on_commit_callbacks)
    stranger = Contact.objects.create(account=conversation.account, name="Mallory")
    mark = conv_services.do_mark_read_by_contact
    assert not mark(contact_id=stranger.pk, conversation_id=conversation.pk, message_id=second.pk)
    assert not mark(contact_id=contact.pk, conversation_id=conversation.pk, message_id=10**12)
    assert mark(contact_id=contact.pk, conversation_id=conversation.pk, message_id=second.pk)
    assert not mark(contact_id=contact.pk, conversation_id=conversation.pk, message_id=first.pk)
    conversation.refresh_from_db()
    assert conversation.contact_read_message_id == second.pk


def test_hostile_reply_is_escaped_in_html(
    smtp, agent, conversation, django_capture_on_commit_callbacks
):
    hostile = '<script>alert(1)</script><a href="https://evil.example">login</a> & more'
    reply(agent, conversation, hostile, django_capture_on_commit_callbacks)
    assert send_due(conversation) == "sent"
    body = parts(smtp.only())
    assert hostile in body["text/plain"]
    assert (
        "<script>" not in body["text/html"]
        and 'href="https://evil.example"' not in body["text/html"]
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body["text/html"]


def test_two_quick_replies_make_one_email(
    smtp, agent, conversation, django_capture_on_commit_callbacks
):
    reply(agent, conversation, "First part", django_capture_on_commit_callbacks)
    reply(agent, conversation, "Second part", django_capture_on_commit_callbacks)
    assert send_due(conversation) == "sent"
    assert send_due(conversation) == "skipped"
    text = parts(smtp.only())["text/plain"]
    assert text.index("First part") < text.index("Second part")
    assert ConversationEvent.objects.get(kind="reply_emailed").data["count"] == 2


def test_smtp_down_retries_with_backoff_then_tells_the_agents(
    settings, agent, conversation, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    settings.EMAIL_TIMEOUT = 2
    settings.REPLY_EMAIL_MAX_ATTEMPTS = 2
    reply(agent, conversation, "Your funds are safe", django_capture_on_commit_callbacks)
    caplog.set_level(logging.INFO)
    now = timezone.now() + LATER
    assert services.do_send_reply_email(conversation_id=conversation.pk, now=now) == "retry"
    state = ReplyEmail.objects.get()
    assert state.attempts == 1 and state.last_error == "ConnectionRefusedError"
    assert state.due_at == now + dt.timedelta(seconds=services.BACKOFF[0])
    assert not ConversationEvent.objects.filter(kind="reply_email_failed").exists()

    later = now + dt.timedelta(hours=1)
    assert services.do_send_reply_email(conversation_id=conversation.pk, now=later) == "failed"
    state.refresh_from_db()
    assert state.attempts == 2 and state.due_at is None
    event = ConversationEvent.objects.get(conversation=conversation, kind="reply_email_failed")
    assert event.data == {"to": "w***@example.com", "error": "ConnectionRefusedError"}
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "given up after 2 attempts" in logged
    assert "wang@example.com" not in logged and "funds are safe" not in logged


def test_a_watch_result_is_emailed_too(smtp, conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        conv_services.do_send_system_message(
            conversation=conversation, content="Your transaction is complete."
        )
    drain(CONSUMER)
    assert send_due(conversation) == "sent"
    assert "Your transaction is complete." in parts(smtp.only())["text/plain"]


def test_the_deferred_task_sends_it_through_the_real_worker(
    smtp, agent, conversation, django_capture_on_commit_callbacks
):
    reply(agent, conversation, "Sent by the worker", django_capture_on_commit_callbacks)
    (queued,) = DBTaskResult.objects.filter(status="READY")
    assert queued.run_after is not None and queued.run_after > timezone.now()
    # Fast-forward the clock for the task and the schedule.
    DBTaskResult.objects.filter(pk=queued.pk).update(run_after=timezone.now())
    ReplyEmail.objects.update(due_at=timezone.now())
    call_command(
        "db_worker", batch=True, queue_name="*", startup_delay=False, reload=False, verbosity=0
    )
    assert "Sent by the worker" in parts(smtp.only())["text/plain"]
    assert DBTaskResult.objects.get(pk=queued.pk).status == "SUCCESSFUL"


def test_the_sweep_sends_what_a_lost_task_left(
    smtp, agent, conversation, django_capture_on_commit_callbacks
):
    reply(agent, conversation, "Recovered", django_capture_on_commit_callbacks)
    assert services.do_send_due_reply_emails() == 0  # not due yet
    assert services.do_send_due_reply_emails(now=timezone.now() + LATER) == 1
    assert "Recovered" in parts(smtp.only())["text/plain"]


class RaisingBackend(BaseEmailBackend):
    """A mail set-up that is broken in every way: it raises on each send."""

    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPServerDisconnected("mail relay is down")


def test_the_reply_request_never_touches_mail_even_when_the_backend_raises(
    settings, agent, conversation
):
    settings.EMAIL_BACKEND = f"{__name__}.RaisingBackend"
    client = Client()
    client.force_login(agent)
    response = client.post(
        f"/app/c/{conversation.display_id}/reply/",
        {"content": "Your deposit arrived."},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    assert conversation.messages.filter(content="Your deposit arrived.").exists()
    # The request only wrote the message and its event: the schedule is the consumer's.
    assert not ReplyEmail.objects.exists()
    assert drain(CONSUMER) >= 1
    state = ReplyEmail.objects.get(conversation=conversation)
    assert state.due_at is not None
    # The send fails in the background, retried later; the agent's reply stands.
    assert send_due(conversation) == "retry"
    assert ReplyEmail.objects.get().last_error == "SMTPServerDisconnected"


def test_a_replayed_log_sends_no_second_email(
    smtp, agent, conversation, django_capture_on_commit_callbacks
):
    reply(agent, conversation, "Once only", django_capture_on_commit_callbacks)
    assert drain(CONSUMER) == 0  # nothing new: each event is handled once
    assert send_due(conversation) == "sent"
    do_replay(consumer=CONSUMER)  # an operator rewinds the consumer
    assert drain(CONSUMER) >= 1
    assert send_due(conversation) == "nothing_new"
    assert len(smtp.messages) == 1
    assert ReplyEmail.objects.get().sent_count == 1
