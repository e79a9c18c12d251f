"""The X channel against the API stand-in: off unless configured, mentions and DMs in
(once: a replayed poll stores nothing), replies out as a reply post (a thread when long,
or refused clearly) or a DM, rate limits and an expired token, X down then back."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blockdesk.connectors import contract_delivery
from blockdesk.connectors.x.inbound import poll_channel, poll_due_channels
from blockdesk.connectors.x.models import XChannel, XRoute
from blockdesk.conversations.models import ContactIdentity, Conversation, Message
from tests.connectors.delivery_support import queue_reply as reply
from tests.support.platform_standin import Reply

from .conftest import fresh, make_inbox, payload

pytestmark = pytest.mark.django_db(transaction=True)


def test_x_is_off_unless_configured(account, agent, api):
    channel = make_inbox(account, agent, enabled=False, access_token="", refresh_token="")
    api.requests.clear()
    assert poll_due_channels() == 0 and poll_channel(channel) == 0
    assert api.requests == []  # not one request to X
    assert not channel.configured


def test_mentions_and_dms_open_cases_once(x_channel, fake, api):
    fake.mentions = payload("mentions")
    fake.dm_events = payload("dm_events")
    assert poll_channel(x_channel) == 2
    mention = Message.objects.get(metadata__channel__x__kind="mention")
    assert mention.conversation.contact.identities.filter(
        kind=ContactIdentity.Kind.X, value="1234567890"
    ).exists()
    route = XRoute.objects.get(conversation=mention.conversation)
    assert route.reply_to_post_id == "1301573587187331074"
    x_channel.refresh_from_db()
    assert x_channel.since_mention_id == "1301573587187331074"
    assert x_channel.last_dm_event_id == "1234567890"
    # The next poll asks X only for newer mentions, and the same answer stores nothing.
    assert poll_channel(x_channel) == 0
    assert api.calls("GET", "/2/users/")[-1].query["since_id"] == ["1301573587187331074"]
    assert Message.objects.count() == 2
    x_channel.since_mention_id = ""
    x_channel.last_dm_event_id = ""
    assert poll_channel(x_channel) == 0  # a replay past the cursors: both are no-ops
    assert Message.objects.count() == 2


def test_a_mention_is_answered_with_a_reply_post_and_a_dm_with_a_dm(
    x_channel, fake, agent, django_capture_on_commit_callbacks
):
    fake.mentions = payload("mentions")
    fake.dm_events = payload("dm_events")
    poll_channel(x_channel)
    by_dm = Conversation.objects.get(contact__identities__value="9876543210")
    by_mention = Conversation.objects.get(contact__identities__value="1234567890")
    for conversation, text in ((by_mention, "We are on it"), (by_dm, "Hello! Fine, and you?")):
        delivery = reply(agent, conversation, text, django_capture_on_commit_callbacks)
        assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    (post,) = fake.posts
    assert post["reply"] == {"in_reply_to_tweet_id": "1301573587187331074"}
    assert post["text"] == "We are on it"
    (dm,) = fake.dms
    assert dm["to"] == "9876543210" and dm["text"] == "Hello! Fine, and you?"


def test_a_long_answer_to_a_mention_is_a_chained_thread(
    x_channel, fake, agent, django_capture_on_commit_callbacks
):
    fake.mentions = payload("mentions")
    poll_channel(x_channel)
    conversation = Conversation.objects.get()
    delivery = reply(agent, conversation, "lorem ipsum " * 40, django_capture_on_commit_callbacks)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    first, second = fake.posts
    assert first["reply"]["in_reply_to_tweet_id"] == "1301573587187331074"
    assert second["reply"]["in_reply_to_tweet_id"] == first["id"]  # the thread goes on


def test_a_long_answer_is_refused_clearly_when_threads_are_off(
    account, agent, api, fake, django_capture_on_commit_callbacks
):
    channel = make_inbox(account, agent, thread_long_replies=False)
    fake.mentions = payload("mentions")
    poll_channel(channel)
    delivery = reply(
        agent, Conversation.objects.get(), "lorem ipsum " * 40, django_capture_on_commit_callbacks
    )
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "longer than one post" in delivery.reason and fake.posts == []


def test_rate_limit_and_x_down_then_sent_once(
    x_channel, fake, api, agent, django_capture_on_commit_callbacks
):
    fake.dm_events = payload("dm_events")
    poll_channel(x_channel)
    delivery = reply(agent, Conversation.objects.get(), "Fixed", django_capture_on_commit_callbacks)
    now = timezone.now()
    reset = str(int(now.timestamp()) + 900)
    api.failures.append(Reply(429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": reset}))
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "retry"
    delivery.refresh_from_db()
    assert dt.timedelta(minutes=14) < delivery.due_at - now <= dt.timedelta(minutes=15)
    api.failures.append(Reply(503, {"title": "Service Unavailable"}))
    now = delivery.due_at + dt.timedelta(seconds=1)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "retry"
    delivery.refresh_from_db()
    now = delivery.due_at + dt.timedelta(seconds=1)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "sent"
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk, now=now) == "skipped"
    assert [d["text"] for d in fake.dms] == ["Fixed"]


def test_an_expired_token_is_refreshed_and_stored(x_channel, fake, api):
    fake.valid_tokens = {"access-token-2"}  # X expired the first one
    fake.dm_events = payload("dm_events")
    assert poll_channel(x_channel) >= 1
    channel = XChannel.objects.get(pk=x_channel.pk)
    assert channel.access_token == "access-token-2" and channel.refresh_token == "refresh-2"
    assert len(api.calls("POST", "/2/oauth2/token")) == 1


def test_a_refused_token_on_save_is_an_error(account, agent, api):
    from blockdesk.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        make_inbox(account, agent, access_token="wrong")
    assert not XChannel.objects.exists()


def test_the_webhook_crc_challenge_and_signed_events(account, agent, api):
    channel = make_inbox(account, agent, consumer_secret="consumer-secret")
    url = reverse("x_hooks:webhook", args=[channel.inbox_id])
    response = Client().get(url, {"crc_token": "challenge"})
    expected = base64.b64encode(
        hmac.new(b"consumer-secret", b"challenge", hashlib.sha256).digest()
    ).decode()
    assert response.json() == {"response_token": f"sha256={expected}"}
    body = b'{"for_user_id": "2244994945", "direct_message_events": []}'
    bad = Client().post(
        url,
        body,
        content_type="application/json",
        headers={"X-Twitter-Webhooks-Signature": "sha256=AAAA"},
    )
    assert bad.status_code == 401
    XChannel.objects.filter(pk=channel.pk).update(last_polled_at=timezone.now())
    signature = (
        "sha256="
        + base64.b64encode(hmac.new(b"consumer-secret", body, hashlib.sha256).digest()).decode()
    )
    good = Client().post(
        url,
        body,
        content_type="application/json",
        headers={"X-Twitter-Webhooks-Signature": signature},
    )
    assert good.status_code == 200
    assert XChannel.objects.get(pk=channel.pk).last_polled_at is None  # polled at the next run


def test_a_secret_in_a_dm_is_redacted_before_storage(x_channel, fake):
    data = fresh(payload("dm_events"))
    seed = "abandon " * 11 + "about"
    data["data"][0]["text"] = f"my phrase: {seed}"
    fake.dm_events = data
    poll_channel(x_channel)
    stored = Message.objects.get(sender_type=Message.SenderType.CONTACT)
    assert "abandon about" not in stored.content


def test_the_settings_page_checks_the_token_and_never_shows_secrets(admin_user, agent, api):
    admin = Client()
    admin.force_login(admin_user)
    data = {
        "name": "X support",
        "enabled": "on",
        "access_token": "access-token-1",
        "refresh_token": "refresh-1",
        "client_id": "cid",
        "poll_mentions": "on",
    }
    assert admin.post(reverse("x_channel:list"), data).status_code == 302
    channel = XChannel.objects.get()
    assert channel.username == "XDevelopers" and channel.user_id == "2244994945"
    page = admin.get(reverse("x_channel:edit", args=[channel.inbox_id])).content.decode()
    assert "access-token-1" not in page and "refresh-1" not in page
    # Saved with the secret fields empty: the stored ones stay.
    kept = {**data, "access_token": "", "refresh_token": ""}
    assert admin.post(reverse("x_channel:edit", args=[channel.inbox_id]), kept).status_code == 302
    channel.refresh_from_db()
    assert channel.access_token == "access-token-1" and channel.refresh_token == "refresh-1"
    refused = admin.post(reverse("x_channel:list"), {**data, "access_token": "wrong"})
    assert refused.status_code == 400 and "did not accept" in refused.content.decode()
    other = Client()
    other.force_login(agent)
    assert other.get(reverse("x_channel:list")).status_code in (302, 403)


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


def test_an_image_goes_out_after_the_text_by_dm_and_by_post(
    x_channel, fake, agent, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake.mentions = payload("mentions")
    fake.dm_events = payload("dm_events")
    poll_channel(x_channel)
    by_dm = Conversation.objects.get(contact__identities__value="9876543210")
    by_mention = Conversation.objects.get(contact__identities__value="1234567890")
    for conversation in (by_dm, by_mention):
        image = SimpleUploadedFile("proof.png", PNG, content_type="image/png")
        delivery = _reply_with_files(
            agent, conversation, "See the screenshot", django_capture_on_commit_callbacks, [image]
        )
        assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    text_dm, image_dm = fake.dms
    assert text_dm["text"] == "See the screenshot" and text_dm["attachments"] == []
    (media_id,) = [a["media_id"] for a in image_dm["attachments"]]
    assert fake.media[media_id]["media"] == ("proof.png", PNG)
    assert fake.media[media_id]["media_category"] == "dm_image"
    text_post, image_post = fake.posts
    assert text_post["text"] == "See the screenshot"
    (post_media,) = image_post["media"]["media_ids"]
    assert fake.media[post_media]["media_category"] == "tweet_image"
    # The image answers the text post: the thread goes on from it.
    assert image_post["reply"] == {"in_reply_to_tweet_id": text_post["id"]}


def test_a_file_x_cannot_carry_is_refused_before_anything_is_sent(
    x_channel, fake, agent, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake.dm_events = payload("dm_events")
    poll_channel(x_channel)
    by_dm = Conversation.objects.get(contact__identities__value="9876543210")
    pdf = SimpleUploadedFile("statement.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    delivery = _reply_with_files(
        agent, by_dm, "Your statement", django_capture_on_commit_callbacks, [pdf]
    )
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert "statement.pdf" in delivery.reason
    assert fake.dms == [] and fake.media == {}
