"""Outbound: an agent's public reply in an email case goes out through the delivery
contract (connectors.deliveries consumer of message.created → OutboundDelivery → task →
EmailChannel.send) to a REAL SMTP server on loopback (aiosmtpd): From, signature,
threading headers, both parts, the anti-phishing code; retries with backoff, failure with
a reason, the agents' retry; nothing automatic answers automatic mail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from blockdesk.common.errors import Conflict, NotFound
from blockdesk.connectors import contract_delivery
from blockdesk.connectors.email import threading
from blockdesk.connectors.email.ingest import ingest_raw
from blockdesk.connectors.event_consumers import CONSUMER
from blockdesk.connectors.models import OutboundDelivery
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation
from blockdesk.trust.services import do_set_anti_phishing_code
from tests.support.event_log import drain

from .mails import raw

pytestmark = pytest.mark.django_db(transaction=True)

LATER = dt.timedelta(hours=2)


@pytest.fixture
def case(email_channel) -> Conversation:
    ingest_raw(channel=email_channel, raw=raw(message_id="<q1@example.com>"))
    return Conversation.objects.get(inbox=email_channel.inbox)


def reply(agent, conversation, content: str, capture) -> OutboundDelivery:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        message = conv_services.do_send_agent_message(
            agent=agent, conversation=conversation, content=content
        ).message
    drain(CONSUMER)
    return OutboundDelivery.objects.get(message=message)


def parts(mail) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        p.get_content_type(): p.get_content()
        for p in mail.walk()
        if p.get_content_maintype() == "text"
    }


def test_an_agent_reply_is_mailed_with_from_signature_threading_and_both_parts(
    smtp, agent, case, django_capture_on_commit_callbacks
):
    do_set_anti_phishing_code(contact=case.contact, code="Blue Tiger 42")
    delivery = reply(agent, case, "Found it: **credited** <script>x</script>",
                     django_capture_on_commit_callbacks)  # fmt: skip
    assert delivery.status == "queued"
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    ((rcpt, mail),) = smtp.messages
    assert rcpt == ["wang@example.com"]
    assert mail["From"] == "Demo Exchange Support <support@demo-exchange.example>"
    assert mail["In-Reply-To"] == "<q1@example.com>"
    assert "<q1@example.com>" in mail["References"]
    assert threading.tokens_in([mail["Message-ID"], mail["Subject"]]) == [case.pk]
    assert mail["Auto-Submitted"] is None  # a person's reply
    text, html = parts(mail)["text/plain"], parts(mail)["text/html"]
    assert "Blue Tiger 42" in text and "Blue Tiger 42" in html
    assert "Demo Exchange · support team" in text
    assert "<strong>credited</strong>" in html and "<script>" not in html
    delivery.refresh_from_db()
    assert delivery.platform_message_id == str(mail["Message-ID"]).strip()  # may be folded


def test_the_customers_answer_to_our_mail_lands_in_the_same_case(
    smtp, agent, case, email_channel, django_capture_on_commit_callbacks
):
    delivery = reply(agent, case, "Send us the tx hash", django_capture_on_commit_callbacks)
    contract_delivery.do_attempt_delivery(delivery_id=delivery.pk)
    ((_rcpt, sent),) = smtp.messages
    answer = raw(subject=str(sent["Subject"]), body="0xabc", in_reply_to=str(sent["Message-ID"]))
    assert ingest_raw(channel=email_channel, raw=answer).conversation_id == case.pk


def test_an_unreachable_server_is_retried_with_backoff_then_failed_then_retried_by_an_agent(
    smtp, settings, agent, case, django_capture_on_commit_callbacks
):
    smtp.refuse_with = "451 4.3.0 try again later"
    delivery = reply(agent, case, "Hello", django_capture_on_commit_callbacks)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.status == "queued" and delivery.due_at > timezone.now()
    assert delivery.reason == "SMTP 451"
    # Not due yet: a second worker does nothing.
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "skipped"
    outcome, now = "", timezone.now()
    for _ in range(10):
        now += LATER  # past each backoff (10 s, 60 s … 1 h, jittered)
        outcome = contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now)
        if outcome == "failed":
            break
    assert outcome == "failed"
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 6
    assert smtp.messages == []

    smtp.refuse_with = None
    contract_delivery.do_retry_delivery(actor=agent, delivery=delivery)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    assert len(smtp.messages) == 1
    with pytest.raises(Conflict):
        contract_delivery.do_retry_delivery(actor=agent, delivery=delivery)


def test_a_refused_address_fails_at_once_with_the_reason(
    smtp, agent, case, django_capture_on_commit_callbacks
):
    smtp.refuse_with = "550 5.1.1 no such user"
    delivery = reply(agent, case, "Hello", django_capture_on_commit_callbacks)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.reason == "SMTP 550" and delivery.attempts == 1


def test_an_agent_outside_the_inbox_cannot_retry(
    smtp, agent, outsider, case, django_capture_on_commit_callbacks
):
    smtp.refuse_with = "550 no"
    delivery = reply(agent, case, "Hello", django_capture_on_commit_callbacks)
    contract_delivery.do_attempt_delivery(delivery_id=delivery.pk)
    with pytest.raises(NotFound):
        contract_delivery.do_retry_delivery(actor=outsider, delivery=delivery)


def test_private_notes_and_widget_replies_get_no_email_delivery(
    smtp, agent, case, channel, contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conv_services.do_send_agent_message(
            agent=agent, conversation=case, content="note", private=True
        )
        widget_case = conv_services.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=None, content="hi"
        ).message.conversation
        conv_services.do_send_agent_message(agent=agent, conversation=widget_case, content="yo")
    drain(CONSUMER)
    assert not OutboundDelivery.objects.exists()


def test_the_assistant_never_answers_automatic_mail(
    smtp, email_channel, django_capture_on_commit_callbacks
):
    ingest_raw(channel=email_channel, raw=raw(headers={"Auto-Submitted": "auto-replied"}))
    conversation = Conversation.objects.get(inbox=email_channel.inbox)
    with django_capture_on_commit_callbacks(execute=True):
        message = conv_services.do_send_assistant_message(
            conversation=conversation, content="Thanks for your message!"
        )
    drain(CONSUMER)
    delivery = OutboundDelivery.objects.get(message=message)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "failed"
    assert smtp.messages == []
    delivery.refresh_from_db()
    assert "never answered automatically" in delivery.reason


def test_the_widgets_reply_email_carries_the_token_and_the_reply_to_of_the_email_inbox(
    smtp, agent, email_channel, channel, contact, django_capture_on_commit_callbacks
):
    from blockdesk.notifications.rendering import reply_email

    widget_case = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hi"
    ).message.conversation
    conv_services.do_leave_followup_email(
        contact=contact, conversation=widget_case, email="carol@example.com"
    )
    widget_case.refresh_from_db()
    message = conv_services.do_send_agent_message(
        agent=agent, conversation=widget_case, content="Answer"
    ).message
    mail = reply_email(conversation=widget_case, messages=[message])
    assert threading.tokens_in([mail.extra_headers["Message-ID"]]) == [widget_case.pk]
    assert mail.reply_to == ["support@demo-exchange.example"]
    assert "You can also reply to this email" in mail.body


def test_a_bounce_for_our_reply_marks_its_delivery_failed_with_the_dsn_status(
    smtp, agent, case, email_channel, django_capture_on_commit_callbacks
):
    delivery = reply(agent, case, "Hello", django_capture_on_commit_callbacks)
    contract_delivery.do_attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    ours = delivery.platform_message_id
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: support@demo-exchange.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-1@mx.example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; wang@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: support@demo-exchange.example\r\nMessage-ID: {ours}\r\n"
        "--b--\r\n"
    ).encode()
    assert ingest_raw(channel=email_channel, raw=dsn).status == "automatic"
    delivery.refresh_from_db()
    assert delivery.status == "failed" and "5.1.1" in delivery.reason
