"""A customer's images, videos and GIFs on X (DMs and mentions): fetched through the
outbound guard from X's media host only, within the widget's limits, stored as
attachments after the secret guard; a failed fetch keeps the message, is noted on it and
retried later. Against the X API stand-in (conftest.py; the real service cannot be
reached from here) with payloads in the shapes of X's v2 reference (payloads/README.md),
their pbs.twimg.com URLs pointed at the stand-in."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from blockdesk.connectors.console import message_extras
from blockdesk.connectors.x import inbound_media
from blockdesk.connectors.x.inbound import parse_dm_events, parse_mentions, poll_channel
from blockdesk.connectors.x.models import XMediaFetch
from blockdesk.conversations.models import Message
from tests.support.platform_standin import Reply

from .conftest import OWN_ID, PAYLOADS

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
SEED = "abandon ability able about above absent absorb abstract absurd abuse access accident"


def media_payload(name: str, base: str) -> dict[str, Any]:
    text = (PAYLOADS / f"{name}.json").read_text().replace("https://pbs.twimg.com", base)
    data = json.loads(text)
    data.pop("_source")
    return data


@pytest.fixture(autouse=True)
def _media_host(settings, api, fake):  # type: ignore[no-untyped-def]
    settings.X_MEDIA_HOSTS = ["127.0.0.1"]  # the stand-in plays pbs.twimg.com
    fake.files["/media/FfhqGZJWQAAfPkt.png"] = ("image/png", PNG)
    fake.files["/media/FfhrAbCdEfGhIjK.jpg"] = ("image/jpeg", JPEG)
    fake.files["/ext_tw_video_thumb/1582839999000000002/pu/img/AbCdEfGhIjKlMnOp.jpg"] = (
        "image/jpeg",
        JPEG,
    )
    fake.files["/tweet_video_thumb/FfhrXyZaBcDeFgH.jpg"] = ("image/jpeg", JPEG)


def _base(api) -> str:  # type: ignore[no-untyped-def]
    return f"{api.url}/media-host"


def test_the_payloads_media_keys_become_the_items_media(api) -> None:
    (dm,) = parse_dm_events(
        media_payload("dm_events_media", "https://pbs.twimg.com"), own_id=OWN_ID, after_id=""
    )
    assert [(m.key, m.type, m.url) for m in dm.media] == [
        ("3_1582838213911752704", "photo", "https://pbs.twimg.com/media/FfhqGZJWQAAfPkt.png")
    ]
    (post,) = parse_mentions(
        media_payload("mentions_media", "https://pbs.twimg.com"), own_id=OWN_ID
    )
    assert [m.type for m in post.media] == ["photo", "video", "animated_gif"]
    assert post.media[0].alt_text == "The deposit screen"
    assert post.media[1].url.endswith("/pu/img/AbCdEfGhIjKlMnOp.jpg")  # a video's still


def test_a_dm_photo_and_a_mentions_photo_video_and_gif_are_stored_as_attachments(
    x_channel, fake, api
):
    fake.dm_events = media_payload("dm_events_media", _base(api))
    fake.mentions = media_payload("mentions_media", _base(api))
    assert poll_channel(x_channel) == 2
    dm = Message.objects.get(content__startswith="Here is the screenshot")
    (att,) = dm.attachments.all()
    assert (att.filename, att.content_type, att.size) == (
        "x_photo_3_1582838213911752704.png",
        "image/png",
        len(PNG),
    )
    assert att.file.read() == PNG
    post = Message.objects.get(content__contains="deposit is stuck")
    kinds = sorted(a.filename.split("_")[1] for a in post.attachments.all())
    assert kinds == ["photo", "video", "video"]  # a photo, and the stills of the video and GIF
    meta = post.metadata["channel"]["x"]
    assert [m["type"] for m in meta["media"]] == ["photo", "video", "animated_gif"]
    assert "media_failed" not in meta
    media_calls = [r for r in api.requests if r.path.startswith("/media-host/")]
    assert len(media_calls) == 4
    assert all("authorization" not in r.headers for r in media_calls)  # no token to a CDN
    # A replayed poll fetches nothing again and stores nothing twice.
    fake.mentions["meta"] = {"result_count": 1}
    x_channel.refresh_from_db()
    x_channel.since_mention_id = ""
    x_channel.last_dm_event_id = ""
    assert poll_channel(x_channel) == 0
    assert len([r for r in api.requests if r.path.startswith("/media-host/")]) == 4


def test_the_guard_redacts_the_text_before_anything_is_stored(x_channel, fake, api):
    body = media_payload("dm_events_media", _base(api))
    body["data"][0]["text"] = f"my seed is {SEED} and here is a screenshot"
    fake.dm_events = body
    assert poll_channel(x_channel) == 1
    message = Message.objects.get(sender_type="contact")
    assert "abandon ability" not in message.content
    assert message.attachments.count() == 1


def test_a_failed_fetch_keeps_the_message_and_is_retried_later(x_channel, fake, api):
    fake.dm_events = media_payload("dm_events_media", _base(api))
    fake.media_failures.append(Reply(503, raw=b"busy", headers={"Content-Type": "text/plain"}))
    assert poll_channel(x_channel) == 1
    message = Message.objects.get(sender_type="contact")
    assert message.content.startswith("Here is the screenshot")
    assert message.attachments.count() == 0
    [failed] = message.metadata["channel"]["x"]["media_failed"]
    assert failed["retry"] is True and "503" in failed["reason"]
    row = XMediaFetch.objects.get(message=message)
    assert row.status == "pending" and row.next_at is not None
    assert "retrying" in str(message_extras(message))

    assert inbound_media.retry_due_media() == 0  # not due yet
    later = timezone.now() + dt.timedelta(minutes=2)
    assert inbound_media.retry_due_media(now=later) == 1
    row.refresh_from_db()
    assert row.status == "fetched" and row.attempts == 1
    (att,) = message.attachments.all()
    assert att.content_type == "image/png" and att.file.read() == PNG
    assert "fetched later" in str(message_extras(message))
    assert inbound_media.retry_due_media(now=later + dt.timedelta(hours=1)) == 0  # once


def test_a_host_down_for_good_gives_up_after_the_last_attempt(x_channel, fake, api):
    fake.dm_events = media_payload("dm_events_media", _base(api))
    fake.files.clear()
    fake.media_failures.append(Reply(502, raw=b"down", headers={"Content-Type": "text/plain"}))
    poll_channel(x_channel)
    row = XMediaFetch.objects.get()
    now = timezone.now()
    for _ in range(inbound_media.MAX_ATTEMPTS):
        fake.media_failures.append(Reply(503, raw=b"down", headers={"Content-Type": "text/plain"}))
        now += dt.timedelta(hours=3)
        inbound_media.retry_due_media(now=now)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == inbound_media.MAX_ATTEMPTS
    assert Message.objects.get(pk=row.message_id).attachments.count() == 0


def test_too_large_or_off_host_media_is_refused_without_a_retry(x_channel, fake, api, settings):
    settings.ATTACHMENT_MAX_BYTES = 100  # the widget's limit, smaller than the picture
    body = media_payload("mentions_media", _base(api))
    # One medium on a host that is not X's: never requested.
    body["includes"]["media"][2]["preview_image_url"] = "https://attacker.example/x.jpg"
    fake.mentions = body
    before = len(api.requests)
    assert poll_channel(x_channel) == 1
    message = Message.objects.get(sender_type="contact")
    assert message.attachments.count() == 0
    failed = {f["type"]: f for f in message.metadata["channel"]["x"]["media_failed"]}
    assert "larger" in failed["photo"]["reason"] and failed["photo"]["retry"] is False
    assert "media servers" in failed["animated_gif"]["reason"]
    assert not any("attacker" in r.path for r in api.requests[before:])
    assert set(XMediaFetch.objects.values_list("status", flat=True)) == {"failed"}
    assert inbound_media.retry_due_media(now=timezone.now() + dt.timedelta(days=1)) == 0
