"""Outbound through the delivery contract (connectors.deliveries consumer of
message.created → OutboundDelivery → task → TelegramChannel.send) to the Bot API
stand-in (the real Telegram cannot be reached from here): a reply to the customer's
message in its chat and topic, Telegram's HTML, the 4096 split, attachments, Telegram's
429 retry_after, an outage of an hour (deliveries wait and go out afterwards, nothing
sent twice)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from blockdesk.connectors import contract_delivery
from blockdesk.connectors.event_consumers import CONSUMER
from blockdesk.connectors.models import OutboundDelivery
from blockdesk.connectors.telegram.inbound import handle_update
from blockdesk.connectors.telegram.models import TelegramMessageRef
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation
from tests.support.event_log import drain

from . import updates
from .updates import FORUM_ID, user

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def reply(agent, conversation, content, capture, attachments=()) -> OutboundDelivery:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        message = conv_services.do_send_agent_message(
            agent=agent, conversation=conversation, content=content, attachments=list(attachments)
        ).message
    drain(CONSUMER)
    return OutboundDelivery.objects.get(message=message)


@pytest.fixture
def case(tg_channel) -> Conversation:
    handled = handle_update(
        channel=tg_channel, payload=updates.private_text(10000, 1365, "Where is my deposit?")
    )
    return Conversation.objects.get(pk=handled.conversation_id)


def test_a_reply_goes_back_as_a_reply_to_the_customers_message_in_telegram_html(
    agent, case, bot_api, tg_channel, django_capture_on_commit_callbacks
):
    delivery = reply(
        agent,
        case,
        "Found it: **credited** <b>not a tag</b> & [tx](https://tronscan.org/#/tx/1)",
        django_capture_on_commit_callbacks,
    )
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    (sent,) = bot_api.messages("sendMessage")
    assert sent.params["chat_id"] == 1111111
    assert sent.params["reply_parameters"]["message_id"] == 1365
    assert sent.params["parse_mode"] == "HTML"
    assert sent.params["text"] == (
        "Found it: <b>credited</b> &lt;b&gt;not a tag&lt;/b&gt; &amp; "
        '<a href="https://tronscan.org/#/tx/1">tx</a>'
    )
    delivery.refresh_from_db()
    assert delivery.platform_message_id == f"1111111:{sent.message_id}"
    # The customer's answer to our message continues the same case.
    assert TelegramMessageRef.objects.filter(
        direction="out", telegram_message_id=sent.message_id
    ).exists()


def test_a_reply_in_a_forum_topic_goes_to_that_topic(
    agent, tg_channel, bot_api, django_capture_on_commit_callbacks
):
    handled = handle_update(
        channel=tg_channel,
        payload=updates.group_text(
            1, 300, "@blockdesk_support_bot help", user(501, "Alice"), chat_id=FORUM_ID, topic=5
        ),
    )
    case = Conversation.objects.get(pk=handled.conversation_id)
    delivery = reply(agent, case, "Hello Alice", django_capture_on_commit_callbacks)
    contract_delivery.do_attempt_delivery(delivery_id=delivery.pk)
    (sent,) = bot_api.messages("sendMessage")
    assert sent.params["chat_id"] == FORUM_ID and sent.params["message_thread_id"] == 5
    assert sent.params["reply_parameters"]["message_id"] == 300


def test_a_long_reply_is_split_under_4096_characters(
    agent, case, bot_api, django_capture_on_commit_callbacks
):
    text = "\n\n".join(f"Paragraph {i} " + "a<b " * 140 for i in range(8))
    delivery = reply(agent, case, text, django_capture_on_commit_callbacks)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    parts = [s.params["text"] for s in bot_api.messages("sendMessage")]
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "".join(parts).count("Paragraph") == 8


def test_attachments_go_out_as_photo_and_document(
    agent, case, bot_api, django_capture_on_commit_callbacks
):
    files = [
        SimpleUploadedFile("proof.png", PNG, content_type="image/png"),
        SimpleUploadedFile("statement.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    ]
    delivery = reply(agent, case, "See attached", django_capture_on_commit_callbacks, files)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    assert [s.method for s in bot_api.sent] == ["sendMessage", "sendPhoto", "sendDocument"]
    assert bot_api.sent[1].files["photo"] == ("proof.png", PNG)
    assert bot_api.sent[2].files["document"][0] == "statement.pdf"


def test_telegrams_429_waits_its_retry_after_and_sends_each_part_once(
    agent, case, bot_api, django_capture_on_commit_callbacks
):
    files = [SimpleUploadedFile("proof.png", PNG, content_type="image/png")]
    delivery = reply(agent, case, "Text part", django_capture_on_commit_callbacks, files)
    # The text goes out, then the photo hits the rate limit.
    bot_api.rate_limit(0, 0)
    original = bot_api.dispatch

    def limit_photos(method, params, files):  # type: ignore[no-untyped-def]
        if method == "sendPhoto" and not getattr(limit_photos, "done", False):
            limit_photos.done = True  # type: ignore[attr-defined]
            bot_api.rate_limit(1, 17)
        return original(method, params, files)

    bot_api.dispatch = limit_photos  # type: ignore[method-assign]
    now = timezone.now()
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "retry"
    delivery.refresh_from_db()
    assert delivery.due_at == now + dt.timedelta(seconds=17)
    assert "429" in delivery.reason
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "skipped"
    later = now + dt.timedelta(seconds=18)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=later) == "sent"
    assert [s.method for s in bot_api.sent] == ["sendMessage", "sendPhoto"]  # the text once


def test_an_hour_long_outage_then_everything_goes_out_once(
    agent, case, bot_api, django_capture_on_commit_callbacks
):
    bot_api.down = True
    first = reply(agent, case, "First answer", django_capture_on_commit_callbacks)
    second = reply(agent, case, "Second answer", django_capture_on_commit_callbacks)
    now = timezone.now()
    for delivery in (first, second):
        assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "retry"
    # An hour of sweeps while Telegram is down: every due attempt fails and waits again.
    end = now + dt.timedelta(hours=1)
    while now < end:
        now += dt.timedelta(minutes=5)
        contract_delivery.do_send_due_deliveries(now=now)
    for delivery in (first, second):
        delivery.refresh_from_db()
        assert delivery.status == "queued", delivery.reason
    assert bot_api.sent == []
    bot_api.down = False
    for _ in range(6):  # sweeps after it is back, past the longest backoff
        now += dt.timedelta(minutes=65)
        contract_delivery.do_send_due_deliveries(now=now)
    texts = [s.params["text"] for s in bot_api.messages("sendMessage")]
    assert sorted(texts) == ["First answer", "Second answer"]
    for delivery in (first, second):
        delivery.refresh_from_db()
        assert delivery.status == "sent"
        # Sent already: more attempts do nothing.
        assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "skipped"
    assert len(bot_api.messages("sendMessage")) == 2
