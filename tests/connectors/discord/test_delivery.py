"""Deliver: an agent's public reply in a Discord case goes out through the delivery
contract (connectors.deliveries consumer → OutboundDelivery → task → DiscordChannel.send)
to the REST stand-in: into the case's thread or DM, split at 2000 characters, Discord's
429 `retry_after` respected, a platform down for an hour retried until it is back, and
nothing posted twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from blockdesk.connectors import contract_delivery
from blockdesk.connectors.discord.models import DiscordRoute
from tests.connectors.delivery_support import queue_reply as reply
from tests.support.platform_standin import Reply

from .test_inbound import send

pytestmark = pytest.mark.django_db(transaction=True)

RATE_LIMITED = Reply(
    429,
    {"message": "You are being rate limited.", "retry_after": 2.5, "global": False},
    {"Retry-After": "3"},
)
DOWN = Reply(502, {"message": "502 Bad Gateway"})


@pytest.fixture
def thread_case(discord_channel):  # type: ignore[no-untyped-def]
    received = send(discord_channel, "message_create_guild")
    route = DiscordRoute.objects.get(conversation=received.message.conversation)
    return received.message.conversation, route.discord_channel_id


def test_a_reply_goes_into_the_thread(agent, thread_case, fake, django_capture_on_commit_callbacks):
    conversation, thread_id = thread_case
    delivery = reply(
        agent, conversation, "Found it: **credited** @everyone", django_capture_on_commit_callbacks
    )
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    (posted,) = fake.messages[thread_id]
    assert posted["content"] == "Found it: **credited** @everyone"
    delivery.refresh_from_db()
    assert delivery.platform_message_id == posted["id"]


def test_a_dm_case_is_answered_in_the_dm(
    agent, discord_channel, fake, django_capture_on_commit_callbacks
):
    conversation = send(discord_channel, "message_create_dm").message.conversation
    delivery = reply(agent, conversation, "Try again now", django_capture_on_commit_callbacks)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    assert [m["content"] for m in fake.messages["319674150115610528"]] == ["Try again now"]


def test_a_long_reply_is_split_at_2000_characters(
    agent, thread_case, fake, django_capture_on_commit_callbacks
):
    conversation, thread_id = thread_case
    text = "\n\n".join(
        f"Step {i}: " + "lorem ipsum dolor xyz " * 35 for i in range(6)
    )  # ~4,600 characters
    delivery = reply(agent, conversation, text, django_capture_on_commit_callbacks)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    parts = [m["content"] for m in fake.messages[thread_id]]
    assert len(parts) == 3 and all(len(p) <= 2000 for p in parts)
    assert parts[0].startswith("Step 0:") and "Step 5:" in parts[-1]


def test_429_waits_discords_retry_after(
    agent, thread_case, api, fake, django_capture_on_commit_callbacks
):
    conversation, thread_id = thread_case
    delivery = reply(agent, conversation, "Hello", django_capture_on_commit_callbacks)
    api.failures.append(RATE_LIMITED)
    now = timezone.now()
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "retry"
    delivery.refresh_from_db()
    assert delivery.due_at == now + dt.timedelta(seconds=2.5)
    assert "rate limit" in delivery.reason
    later = now + dt.timedelta(seconds=3)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=later) == "sent"
    assert len(fake.messages[thread_id]) == 1


def test_discord_down_for_an_hour_the_reply_goes_out_afterwards_once(
    agent, thread_case, api, fake, django_capture_on_commit_callbacks
):
    conversation, thread_id = thread_case
    delivery = reply(
        agent, conversation, "Your withdrawal is out", django_capture_on_commit_callbacks
    )
    api.failures.extend([DOWN] * 4)
    now = timezone.now()
    outcomes = []
    for _ in range(5):  # backoff 10 s, 60 s, 5 min, 20 min: about an hour with the 5th
        outcomes.append(contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now))
        delivery.refresh_from_db()
        now = (delivery.due_at or now) + dt.timedelta(seconds=1)
    assert outcomes == ["retry", "retry", "retry", "retry", "sent"]
    assert [m["content"] for m in fake.messages[thread_id]] == ["Your withdrawal is out"]
    assert delivery.status == "sent" and delivery.attempts == 5
    # A duplicate task (or the sweep) afterwards sends nothing again.
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "skipped"
    assert len(fake.messages[thread_id]) == 1


def test_a_failure_halfway_through_a_long_reply_sends_only_the_rest(
    agent, thread_case, api, fake, django_capture_on_commit_callbacks
):
    conversation, thread_id = thread_case
    text = "\n\n".join(f"Part {i}: " + "lorem ipsum dolor xyz " * 70 for i in range(3))
    delivery = reply(agent, conversation, text, django_capture_on_commit_callbacks)

    original = fake.route
    calls = {"n": 0}

    def fail_second_post(request):  # type: ignore[no-untyped-def]
        if request.method == "POST" and request.path.endswith(f"/channels/{thread_id}/messages"):
            calls["n"] += 1
            if calls["n"] == 2:
                return DOWN
        return original(request)

    api.route = fail_second_post
    now = timezone.now()
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "retry"
    assert len(fake.messages[thread_id]) == 1
    delivery.refresh_from_db()
    assert (
        contract_delivery.do_attempt_delivery(
            delivery_id=delivery.pk, now=delivery.due_at + dt.timedelta(seconds=1)
        )
        == "sent"
    )
    parts = [m["content"] for m in fake.messages[thread_id]]
    assert len(parts) == 3 and [p.split(":")[0] for p in parts] == ["Part 0", "Part 1", "Part 2"]


def test_a_deleted_thread_fails_at_once_with_discords_reason(
    agent, thread_case, api, django_capture_on_commit_callbacks
):
    conversation, _thread = thread_case
    delivery = reply(agent, conversation, "Hello", django_capture_on_commit_callbacks)
    api.failures.append(Reply(404, {"message": "Unknown Channel", "code": 10003}))
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "Unknown Channel" in delivery.reason and delivery.status == "failed"


PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _reply_with_files(agent, conversation, content, capture, files):  # type: ignore[no-untyped-def]
    from blockdesk.connectors.event_consumers import CONSUMER
    from blockdesk.connectors.models import OutboundDelivery
    from blockdesk.conversations import services as conv_services
    from tests.support.event_log import drain

    with capture(execute=True):
        message = conv_services.do_send_agent_message(
            agent=agent, conversation=conversation, content=content, attachments=files
        ).message
    drain(CONSUMER)
    return OutboundDelivery.objects.get(message=message)


def test_attachments_follow_the_text_one_upload_each(
    agent, thread_case, fake, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    conversation, thread_id = thread_case
    files = [
        SimpleUploadedFile("proof.png", PNG, content_type="image/png"),
        SimpleUploadedFile("statement.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    ]
    delivery = _reply_with_files(
        agent, conversation, "See attached", django_capture_on_commit_callbacks, files
    )
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    text, photo, pdf = fake.messages[thread_id]
    assert text["content"] == "See attached" and text["attachments"] == []
    (sent_photo,) = photo["attachments"]
    assert (sent_photo["field"], sent_photo["filename"]) == ("files[0]", "proof.png")
    assert sent_photo["content_type"] == "image/png"
    assert fake.uploads[photo["id"]] == [PNG]
    assert pdf["attachments"][0]["filename"] == "statement.pdf"
    assert fake.uploads[pdf["id"]] == [b"%PDF-1.4 test"]
    # Retried, nothing goes out twice (each part is recorded with its nonce).
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) in ("sent", "skipped")
    assert len(fake.messages[thread_id]) == 3


def test_a_file_over_discords_limit_fails_with_the_reason(
    agent, thread_case, fake, settings, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.DISCORD_UPLOAD_LIMIT_BYTES = 50
    conversation, thread_id = thread_case
    files = [SimpleUploadedFile("proof.png", PNG, content_type="image/png")]
    delivery = _reply_with_files(
        agent, conversation, "See attached", django_capture_on_commit_callbacks, files
    )
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "proof.png" in delivery.reason and "Discord" in delivery.reason
    assert thread_id not in fake.messages  # nothing half-sent
