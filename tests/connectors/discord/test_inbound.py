"""Receive: gateway dispatches (the recorded payloads) through `gateway.dispatch`, the
function the discord.py client hands every raw frame to, against the REST stand-in:
DMs, the support channel's questions as threads, forum posts, staff roles, replays,
and the secret guard in public."""

from __future__ import annotations

import pytest

from blockdesk.connectors.discord import gateway
from blockdesk.connectors.discord.models import DiscordRoute
from blockdesk.conversations.models import ContactIdentity, Conversation, Message

from .conftest import CUSTOMER, FORUM, STAFF_ROLE, SUPPORT, frame, make_inbox

pytestmark = pytest.mark.django_db(transaction=True)

SEED = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)


def send(channel, name: str, **changes: object) -> object:  # type: ignore[no-untyped-def]
    data = frame(name, **changes)
    return gateway.dispatch(channel.pk, data["t"], data["d"])


def customer_messages(channel) -> list[Message]:  # type: ignore[no-untyped-def]
    return list(
        Message.objects.filter(
            conversation__inbox=channel.inbox, sender_type=Message.SenderType.CONTACT
        ).order_by("pk")
    )


def test_a_direct_message_opens_a_case_and_a_replay_stores_nothing(discord_channel):
    first = send(discord_channel, "message_create_dm")
    assert first.created
    conversation = first.message.conversation
    assert conversation.contact.identities.filter(
        kind=ContactIdentity.Kind.DISCORD, value=CUSTOMER
    ).exists()
    route = DiscordRoute.objects.get(conversation=conversation)
    assert (route.kind, route.discord_channel_id) == ("dm", "319674150115610528")
    again = send(discord_channel, "message_create_dm")  # the gateway resent it (a resume)
    assert not again.created and again.message.pk == first.message.pk
    follow_up = send(discord_channel, "message_create_dm", id="334385199974967044", content="hi?")
    assert follow_up.message.conversation_id == conversation.pk  # the open case goes on
    assert len(customer_messages(discord_channel)) == 2


def test_a_question_in_the_support_channel_becomes_a_thread_mapped_to_its_case(
    discord_channel, api
):
    received = send(discord_channel, "message_create_guild")
    (start,) = api.calls("POST", f"/api/v10/channels/{SUPPORT}/messages/334385199974967042/threads")
    assert start.json()["name"].startswith("Mason: My withdrawal")
    route = DiscordRoute.objects.get(conversation=received.message.conversation)
    assert route.kind == "thread" and route.user_id == CUSTOMER
    # The customer writes on in the thread: the same case.
    more = send(
        discord_channel,
        "message_create_guild",
        id="334385199974967050",
        channel_id=route.discord_channel_id,
        content="any news?",
    )
    assert more.message.conversation_id == received.message.conversation_id
    # A second question in the channel is a second thread and a second case.
    other = send(
        discord_channel,
        "message_create_guild",
        id="334385199974967060",
        content="How do I enable 2FA?",
    )
    assert other.message.conversation_id != received.message.conversation_id
    assert Conversation.objects.filter(inbox=discord_channel.inbox).count() == 2
    # A replayed question opens no second thread.
    send(discord_channel, "message_create_guild")
    assert len(api.calls("POST", f"/api/v10/channels/{SUPPORT}/messages/")) == 2


def test_staff_messages_are_not_the_customers(discord_channel):
    received = send(discord_channel, "message_create_guild")
    thread = DiscordRoute.objects.get(conversation=received.message.conversation)
    staff_member = {"roles": [STAFF_ROLE], "nick": "Support Sam"}
    staff = send(
        discord_channel,
        "message_create_guild",
        id="334385199974967070",
        channel_id=thread.discord_channel_id,
        member=staff_member,
        author={"id": "1111111111111111", "username": "sam"},
        content="We are looking into it",
    )
    assert staff is None
    in_channel = send(
        discord_channel,
        "message_create_guild",
        id="334385199974967071",
        member=staff_member,
        author={"id": "1111111111111111", "username": "sam"},
        content="Reminder: we never DM first",
    )
    assert in_channel is None
    assert len(customer_messages(discord_channel)) == 1


def test_our_own_and_other_bots_messages_and_other_servers_are_ignored(discord_channel):
    own = {"id": discord_channel.bot_user_id, "username": "blockdesk-support", "bot": True}
    assert send(discord_channel, "message_create_dm", author=own) is None
    other_bot = {"id": "222", "username": "dyno", "bot": True}
    assert send(discord_channel, "message_create_guild", author=other_bot) is None
    assert send(discord_channel, "message_create_guild", guild_id="999999999999") is None
    assert send(discord_channel, "message_create_guild", channel_id="123451234512345") is None
    assert customer_messages(discord_channel) == []


def test_a_forum_post_is_a_case(account, agent, api):
    channel = make_inbox(account, agent, support_channel_id=FORUM, support_is_forum=True)
    assert send(channel, "thread_create") is True
    assert send(channel, "thread_create") is False  # replayed: nothing more
    received = send(
        channel, "message_create_guild", id="41771983423143937", channel_id="41771983423143937"
    )
    route = DiscordRoute.objects.get(channel=channel, discord_channel_id="41771983423143937")
    assert route.conversation_id == received.message.conversation_id
    # A forum post's first message opens no extra thread.
    assert api.calls("POST", "/api/v10/channels/") == []


def test_a_secret_in_public_is_deleted_the_sender_warned_and_only_redacted_text_kept(
    discord_channel, fake
):
    received = send(discord_channel, "message_create_guild", content=f"my seed is {SEED}")
    assert fake.deleted == ["334385199974967042"]
    (warning,) = fake.messages[SUPPORT]
    assert f"<@{CUSTOMER}>" in warning["content"] and "removed" in warning["content"]
    assert "abandon about" not in received.message.content
    # A thread still opens for the case, without the deleted message.
    assert DiscordRoute.objects.filter(conversation=received.message.conversation).exists()


def test_a_secret_the_bot_cannot_delete_still_warns_the_sender(discord_channel, fake):
    fake.can_delete = False
    send(discord_channel, "message_create_guild", content=f"my seed is {SEED}")
    (warning,) = fake.messages[SUPPORT]
    assert "delete it" in warning["content"]


def test_a_slash_command_over_the_gateway_is_answered_by_its_callback(discord_channel, api):
    answer = send(discord_channel, "interaction_create")
    (callback,) = api.calls("POST", "/api/v10/interactions/786008729715212338/A_UNIQUE_TOKEN/")
    assert callback.json() == answer and answer["data"]["flags"] == 64
    assert Conversation.objects.filter(inbox=discord_channel.inbox).count() == 1


def test_attachments_come_from_discords_cdn_only(discord_channel, api):
    cdn = api.url + "/attachments/290926798999357250/1/log.txt"
    files = [
        {"id": "1", "filename": "log.txt", "content_type": "text/plain", "size": 30, "url": cdn},
        {
            "id": "2",
            "filename": "x.txt",
            "content_type": "text/plain",
            "size": 30,
            "url": "http://169.254.169.254/latest/meta-data",
        },
    ]
    received = send(discord_channel, "message_create_dm", attachments=files)
    (stored,) = received.message.attachments.all()
    assert stored.filename == "log.txt"
    assert len(api.calls("GET", "/attachments/")) == 1  # the other URL was never fetched
