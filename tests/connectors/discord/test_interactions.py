"""The interactions endpoint Discord calls for `/support`: Ed25519-signed (401 without a
valid signature, before anything is read), PING answered, a question opening a thread
case with an ephemeral answer, a replayed interaction a no-op."""

from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client
from django.urls import reverse

from blockdesk.connectors.discord.models import DiscordRoute
from blockdesk.connectors.discord.services import do_update_discord_inbox
from blockdesk.conversations.models import Conversation

from .conftest import SUPPORT, frame

pytestmark = pytest.mark.django_db(transaction=True)

KEY = Ed25519PrivateKey.generate()
PUBLIC_HEX = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


@pytest.fixture
def signed_channel(discord_channel, admin_user):  # type: ignore[no-untyped-def]
    return do_update_discord_inbox(actor=admin_user, channel=discord_channel, public_key=PUBLIC_HEX)


def post(channel, body: bytes, *, signature: str | None = None, timestamp: str | None = None):  # type: ignore[no-untyped-def]
    timestamp = timestamp or str(int(time.time()))
    if signature is None:
        signature = KEY.sign(timestamp.encode() + body).hex()
    return Client().post(
        reverse("discord_hooks:interactions", args=[channel.inbox_id]),
        data=body,
        content_type="application/json",
        headers={"X-Signature-Ed25519": signature, "X-Signature-Timestamp": timestamp},
    )


def interaction_body() -> bytes:
    return json.dumps(frame("interaction_create")["d"]).encode()


def test_a_bad_or_missing_signature_is_401_and_nothing_happens(signed_channel, api):
    body = interaction_body()
    assert post(signed_channel, body, signature="00" * 64).status_code == 401
    assert post(signed_channel, body, signature="not hex").status_code == 401
    forged = Ed25519PrivateKey.generate().sign(b"1" + body).hex()
    assert post(signed_channel, body, signature=forged, timestamp="1").status_code == 401
    # Signed for another timestamp than the one sent.
    good = KEY.sign(b"1700000000" + body).hex()
    assert post(signed_channel, body, signature=good, timestamp="1700000001").status_code == 401
    assert Conversation.objects.count() == 0 and api.requests[1:] == []  # only /users/@me


def test_an_inbox_without_a_public_key_takes_no_interactions(discord_channel):
    assert post(discord_channel, interaction_body()).status_code == 404


def test_ping_is_answered_with_pong(signed_channel):
    response = post(
        signed_channel,
        json.dumps({"id": "1", "type": 1, "token": "t", "application_id": "2"}).encode(),
    )
    assert response.status_code == 200 and response.json() == {"type": 1}


def test_support_opens_a_thread_case_and_a_replay_is_a_no_op(signed_channel, api, fake):
    response = post(signed_channel, interaction_body())
    assert response.status_code == 200
    answer = response.json()
    assert answer["type"] == 4 and answer["data"]["flags"] == 64  # only the customer sees it
    (thread_call,) = api.calls("POST", f"/api/v10/channels/{SUPPORT}/threads")
    assert thread_call.json()["type"] == 11
    conversation = Conversation.objects.get(inbox=signed_channel.inbox)
    route = DiscordRoute.objects.get(conversation=conversation)
    assert f"<#{route.discord_channel_id}>" in answer["data"]["content"]
    (posted,) = fake.messages[route.discord_channel_id]
    assert "Where is my deposit?" in posted["content"]

    again = post(signed_channel, interaction_body())  # Discord retried the same interaction
    assert again.status_code == 200
    assert len(api.calls("POST", f"/api/v10/channels/{SUPPORT}/threads")) == 1
    assert Conversation.objects.filter(inbox=signed_channel.inbox).count() == 1


def test_support_in_a_dm_answers_in_the_dm(signed_channel, api):
    data = frame("interaction_create")["d"]
    user = data.pop("member")["user"]
    data.pop("guild_id")
    data["user"] = user
    response = post(signed_channel, json.dumps(data).encode())
    assert "direct message" in response.json()["data"]["content"]
    route = DiscordRoute.objects.get(channel=signed_channel)
    assert route.kind == "dm" and route.user_id == user["id"]


def _link_body(token: str) -> bytes:
    payload = frame("interaction_create")["d"]
    payload["id"] = "771825006014889999"
    payload["data"] = {
        "type": 1,
        "name": "link",
        "id": "771825006014889985",
        "options": [{"type": 3, "name": "token", "value": token}],
    }
    return json.dumps(payload).encode()


def test_link_makes_the_discord_user_the_widget_customer_once(signed_channel, account):
    """The widget's "Continue on Discord" shows `/link <token>`; the bot redeems it."""
    from blockdesk.connectors.selectors import widget_continue_options
    from blockdesk.conversations import identity_links
    from blockdesk.conversations.models import Contact, ContactIdentity

    (option,) = [o for o in widget_continue_options(account_id=account.pk) if o.kind == "discord"]
    assert option.command == "/link {token}" and not option.href
    visitor = Contact.objects.create(account=account, name="Widget visitor")
    token = identity_links.issue_link_token(contact=visitor, kind="discord")

    answer = post(signed_channel, _link_body(token)).json()
    assert answer["type"] == 4 and answer["data"]["flags"] == 64  # only the sender sees it
    assert "Connected" in answer["data"]["content"]
    assert "Widget visitor" not in answer["data"]["content"]  # a token tells nothing
    identity = ContactIdentity.objects.get(kind="discord", value="53908232506183680")
    assert identity.contact_id == visitor.pk

    # The same token again (a replay, or someone it was passed to): refused.
    again = post(signed_channel, _link_body(token)).json()
    assert "expired" in again["data"]["content"]
    forged = post(signed_channel, _link_body(token[:-2] + "xx")).json()
    assert "expired" in forged["data"]["content"]
    assert ContactIdentity.objects.filter(kind="discord").count() == 1
