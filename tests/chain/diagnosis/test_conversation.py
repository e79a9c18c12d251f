"""The entry point for the assistant and the agent panel: facts plus texts, with
authorisation on the conversation (real local EVM node)."""

from __future__ import annotations

import json

import pytest

from blockdesk.chain import services
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.conversations import services as conv
from blockdesk.workspace.services import do_diagnose_transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(channel, contact):
    contact.locale = "zh-hans"
    contact.save(update_fields=["locale"])
    sent = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="where is my deposit?"
    )
    return sent.message.conversation


def test_agent_gets_facts_and_both_languages(agent, conversation, nodes, deployed, registry):
    node = nodes[0]
    tx = node.send(node.fresh_account(), to=deployed.platform_deposit, value=10**18, gas=21_000)
    result = services.diagnose_for_conversation(
        conversation=conversation,
        chain="localnet",
        text=f"我充了 1 ETH 还没到账，哈希是 {tx} 帮忙看看",
    )
    data = result.as_dict()
    json.dumps(data)  # plain JSON, ready for the API and the assistant tool
    assert data["facts"]["status"] == "confirming"
    assert data["facts"]["deposit"]["ok"] is True
    assert data["facts"]["deposit"]["expected_amount"] == "1"  # taken from the message
    assert data["customer"]["language"] == "zh-hans"  # the contact's language
    assert "正在等待确认" in data["customer"]["title"]
    assert set(data["texts"]) == {"en", "zh-hans"}
    assert "being confirmed" in data["texts"]["en"]["title"]
    assert data["needs_agent"] is False


def test_outsider_cannot_diagnose_in_a_conversation_they_cannot_see(
    outsider, conversation, registry
):
    # The agent panel's service checks access before anything is diagnosed.
    with pytest.raises(NotFound):
        do_diagnose_transaction(actor=outsider, conversation=conversation, tx_hash="0x" + "ab" * 32)


def test_assistant_call_without_actor_and_without_a_hash(conversation, registry):
    with pytest.raises(ValidationFailed) as exc:
        services.diagnose_for_conversation(conversation=conversation, text="my USDT is missing")
    assert "tx_hash" in exc.value.fields
    result = services.diagnose_for_conversation(
        conversation=conversation, tx_hash="0x" + "ab" * 32, language="en"
    )
    assert result.diagnosis.status.value == "not_found"
    assert result.customer.language == "en"


def test_a_coin_symbol_in_an_amount_is_not_taken_for_the_network(
    agent, conversation, nodes, deployed, registry
):
    node = nodes[1]  # "sidenet": ETH is its native coin too, as on Arbitrum or Base
    tx = node.send(node.fresh_account(), to=deployed.platform_deposit, value=10**18, gas=21_000)
    result = services.diagnose_for_conversation(
        conversation=conversation, text=f"I sent 1 ETH an hour ago, txid {tx}"
    )
    facts = result.as_dict()["facts"]
    assert facts["status"] != "wrong_network" and facts["chain_key"] == "sidenet"
    assert facts["requested_chain_key"] == ""
    # A network named as such still counts.
    named = services.diagnose_for_conversation(
        conversation=conversation, text=f"sent 1 ETH on Ethereum, txid {tx}"
    )
    assert named.as_dict()["facts"]["requested_chain_key"] == "ethereum"
