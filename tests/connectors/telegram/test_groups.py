"""Groups and supergroups: only messages addressed to the bot (a mention, a reply to it,
its command) open or continue a case unless the inbox takes every message; each member
is their own contact; forum topics map to conversations; the secret guard deletes a
posted secret (when the bot may) and warns the sender. Against the Bot API stand-in (the
real Telegram cannot be reached from here)."""

from __future__ import annotations

import pytest

from blockdesk.connectors.telegram.inbound import handle_update
from blockdesk.connectors.telegram.models import TelegramChannel
from blockdesk.conversations.models import Contact, ContactIdentity, Conversation, Message

from . import updates
from .updates import FORUM_ID, GROUP_ID, user

pytestmark = pytest.mark.django_db(transaction=True)

ALICE = user(501, "Alice", "alice_w")
BOB = user(502, "Bob")
# A well-known test mnemonic (BIP-39 spec vectors), the kind the guard must catch.
PHRASE = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
)


def test_only_messages_addressed_to_the_bot_open_a_case(tg_channel):
    handle = lambda u: handle_update(channel=tg_channel, payload=u).status  # noqa: E731
    assert handle(updates.group_text(1, 10, "gm everyone", ALICE)) == "ignored"
    assert handle(updates.group_text(2, 11, "@someone_else hi", ALICE)) == "ignored"
    assert handle(updates.group_text(3, 12, "/help@other_bot", ALICE)) == "ignored"
    assert (
        handle(updates.group_text(4, 13, "@blockdesk_support_bot my withdrawal is stuck", ALICE))
        == "stored"
    )
    assert handle(updates.group_text(5, 14, "/support my card", BOB)) == "stored"
    assert (
        handle(updates.group_text(6, 15, "/support@blockdesk_support_bot again", BOB)) == "stored"
    )
    contents = list(Message.objects.order_by("pk").values_list("content", flat=True))
    # The mention itself is not part of the customer's text.
    assert contents == ["my withdrawal is stuck", "/support my card", "/support again"]


def test_a_reply_to_the_bot_continues_the_case_it_answered(tg_channel):
    first = handle_update(
        channel=tg_channel,
        payload=updates.group_text(1, 10, "@blockdesk_support_bot deposit missing", ALICE),
    )
    conversation = Conversation.objects.get(pk=first.conversation_id)
    from blockdesk.connectors.telegram.models import TelegramMessageRef

    TelegramMessageRef.objects.create(
        channel=tg_channel,
        chat_id=GROUP_ID,
        telegram_message_id=77,
        direction="out",
        message_id=first.message_id,
        conversation=conversation,
    )
    # Not addressed (no mention) but a reply to our answer: continues the case.
    reply = handle_update(
        channel=tg_channel,
        payload=updates.group_text(2, 11, "it was TRC20", ALICE, reply_to_bot=77),
    )
    assert reply.status == "stored" and reply.conversation_id == conversation.pk


def test_every_message_policy(tg_channel):
    TelegramChannel.objects.filter(pk=tg_channel.pk).update(group_policy="every")
    tg_channel.refresh_from_db()
    assert (
        handle_update(channel=tg_channel, payload=updates.group_text(1, 10, "gm", ALICE)).status
        == "stored"
    )


def test_each_member_is_their_own_contact_with_their_own_case(tg_channel):
    a = handle_update(
        channel=tg_channel, payload=updates.group_text(1, 10, "@blockdesk_support_bot hi", ALICE)
    )
    b = handle_update(
        channel=tg_channel, payload=updates.group_text(2, 11, "@blockdesk_support_bot hi", BOB)
    )
    a2 = handle_update(
        channel=tg_channel, payload=updates.group_text(3, 12, "@blockdesk_support_bot more", ALICE)
    )
    assert a.conversation_id != b.conversation_id
    assert a2.conversation_id == a.conversation_id  # Alice's open case in this group
    values = set(
        ContactIdentity.objects.filter(kind="telegram").values_list("value", "contact__name")
    )
    assert values == {("501", "Alice"), ("502", "Bob")}
    assert Contact.objects.count() == 2


def test_forum_topics_map_to_conversations(tg_channel):
    t1 = handle_update(
        channel=tg_channel,
        payload=updates.group_text(
            1, 100, "@blockdesk_support_bot KYC question", ALICE, chat_id=FORUM_ID, topic=5
        ),
    )
    t2 = handle_update(
        channel=tg_channel,
        payload=updates.group_text(
            2, 101, "@blockdesk_support_bot fees question", ALICE, chat_id=FORUM_ID, topic=9
        ),
    )
    t1b = handle_update(
        channel=tg_channel,
        payload=updates.group_text(
            3, 102, "@blockdesk_support_bot and the selfie?", ALICE, chat_id=FORUM_ID, topic=5
        ),
    )
    assert t1.conversation_id != t2.conversation_id
    assert t1b.conversation_id == t1.conversation_id
    meta = Message.objects.get(pk=t2.message_id).metadata["channel"]["telegram"]
    assert meta["topic_id"] == 9 and meta["chat_title"] == "Demo Exchange Community"


def test_a_secret_in_a_group_is_deleted_and_the_sender_warned(tg_channel, bot_api):
    result = handle_update(
        channel=tg_channel,
        payload=updates.group_text(1, 10, f"@blockdesk_support_bot my seed is {PHRASE}", ALICE),
    )
    assert bot_api.deleted == [(GROUP_ID, 10)]
    (warning,) = bot_api.messages("sendMessage")
    assert warning.params["chat_id"] == GROUP_ID
    assert "now public" in warning.params["text"] and "tg://user?id=501" in warning.params["text"]
    stored = Message.objects.get(pk=result.message_id)
    assert "abandon" not in stored.content  # redacted before it was stored


def test_a_secret_not_addressed_to_the_bot_is_still_deleted_but_not_stored(tg_channel, bot_api):
    result = handle_update(channel=tg_channel, payload=updates.group_text(1, 10, PHRASE, BOB))
    assert result.status == "ignored" and not Message.objects.exists()
    assert bot_api.deleted == [(GROUP_ID, 10)]
    assert len(bot_api.messages("sendMessage")) == 1


def test_when_the_bot_may_not_delete_it_still_warns_replying_to_the_message(tg_channel, bot_api):
    bot_api.can_delete = False
    handle_update(channel=tg_channel, payload=updates.group_text(1, 10, PHRASE, BOB))
    (warning,) = bot_api.messages("sendMessage")
    assert warning.params["reply_parameters"]["message_id"] == 10
    assert bot_api.deleted == []
