"""The secret guard sits in the inbound path of every channel: a pasted seed phrase or
private key never reaches the database, and the customer is warned at once."""

from __future__ import annotations

import pytest
from mnemonic import Mnemonic

from blockdesk.common.errors import ValidationFailed
from blockdesk.conversations import services
from blockdesk.conversations.models import Conversation, ConversationEvent, Message

pytestmark = pytest.mark.django_db(transaction=True)

SEED = Mnemonic("english").to_mnemonic(bytes(range(16)))
KEY = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"


def _all_stored_text() -> str:
    rows = Message.objects.values_list("content", flat=True)
    events = ConversationEvent.objects.values_list("data", flat=True)
    return "\n".join(rows) + "\n".join(str(e) for e in events)


def test_seed_phrase_is_redacted_before_storage_and_customer_warned(channel, contact):
    sent = services.do_send_contact_message(
        contact=contact,
        inbox=channel.inbox,
        conversation=None,
        content=f"my words are {SEED} please help",
    )
    assert SEED not in sent.message.content
    assert "[REDACTED SEED PHRASE]" in sent.message.content
    assert SEED.split()[3] not in _all_stored_text()
    conv = Conversation.objects.get(pk=sent.message.conversation_id)
    assert conv.secret_exposed
    assert conv.priority == Conversation.Priority.URGENT
    warning = conv.messages.filter(sender_type=Message.SenderType.SYSTEM).get()
    assert "seed" in warning.content.lower() or "wallet" in warning.content.lower()
    assert conv.events.filter(kind=ConversationEvent.Kind.SECRET_REDACTED).exists()


def test_private_key_in_chinese_message_warns_in_chinese(channel, contact):
    contact.locale = ""
    contact.save()
    sent = services.do_send_contact_message(
        contact=contact,
        inbox=channel.inbox,
        conversation=None,
        content=f"我的私钥是 {KEY} 帮我看看",
    )
    assert KEY not in _all_stored_text()
    warning = sent.message.conversation.messages.get(sender_type=Message.SenderType.SYSTEM)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in warning.content)


def test_ordinary_message_is_untouched(channel, contact):
    text = "I sent 100 USDT on TRC20 an hour ago and it has not arrived"
    sent = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content=text
    )
    assert sent.message.content == text
    assert not Conversation.objects.get(pk=sent.message.conversation_id).secret_exposed


def test_agent_cannot_ask_for_a_seed_phrase(channel, contact, agent):
    conv = services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="help"
    ).message.conversation
    with pytest.raises(ValidationFailed) as err:
        services.do_send_agent_message(
            agent=agent, conversation=conv, content="Please send me your seed phrase to verify"
        )
    assert err.value.code == "unsafe_request"
    assert "content" in err.value.fields
    # Warning customers is fine, and so is a note between agents.
    services.do_send_agent_message(
        agent=agent, conversation=conv, content="Never share your seed phrase with anyone."
    )
    services.do_send_agent_message(
        agent=agent, conversation=conv, content="ask them for the seed phrase? no!", private=True
    )
    assert conv.messages.filter(sender_type=Message.SenderType.AGENT).count() == 2
