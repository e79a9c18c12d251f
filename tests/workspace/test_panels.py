"""The conversation view's crypto and knowledge panels: entity highlighting, the diagnosis
endpoint (with a stubbed diagnosis: the real one is tested in tests/chain), watching until a
transaction settles, and knowledge suggestions from the starter KB."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from blockdesk.chain import services as chain_services
from blockdesk.chain.diagnosis.explain import EN, ZH, explain
from blockdesk.chain.diagnosis.facts import (
    ConfirmationFacts,
    DepositCheck,
    Diagnosis,
    FeeFacts,
    Status,
    Transfer,
)
from blockdesk.chain.models import TransactionWatch
from blockdesk.chain.signals import watch_finished
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import ConversationEvent, Message

from .conftest import open_conversation

pytestmark = pytest.mark.django_db

TX = "0x" + "3f" * 32
SENDER = "0x" + "11" * 20
ADDRESS = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"  # valid EIP-55
USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
JSON = {"HTTP_ACCEPT": "application/json"}


def url(conv, name: str = "") -> str:
    base = f"/app/c/{conv.display_id}/"
    return base + name


@pytest.fixture(autouse=True)
def _tx_is_on_chain(monkeypatch):
    """The stand-in chain knows TX. Without a chain confirming it, the secret guard takes a
    bare 0x + 64 hex for a possible private key and redacts it (tests/security)."""
    # The module that calls it (services/__init__ only re-exports).
    from blockdesk.conversations.services import messages

    monkeypatch.setattr(
        messages, "is_known_transaction", lambda *, account_id, value: value.endswith(TX[2:])
    )


@pytest.fixture
def chains(account):
    chain_services.seed_default_chains(account=account)


def diagnosis(status: Status = Status.CONFIRMING, **changes: Any) -> Diagnosis:
    base = Diagnosis(
        tx_hash=TX,
        status=status,
        chain_key="ethereum",
        chain_name="Ethereum",
        family="evm",
        native_symbol="ETH",
        requested_chain_key="ethereum",
        requested_chain_name="Ethereum",
        from_address=SENDER,
        to_address=USDT,
        explorer_url=f"https://etherscan.io/tx/{TX}",
        confirmation=ConfirmationFacts(
            block_number=19_000_000, confirmations=3, required=12, block_time_seconds=12.0
        ),
        fee=FeeFacts(kind="eip1559", unit="wei", paid=Decimal("0.00042"), gas_used=60_000,
                     gas_limit=65_000, effective_gas_price=7_000_000_000),
        transfers=(
            Transfer(standard="erc20", symbol="USDT", amount=Decimal("250.5"),
                     raw_amount=250_500_000, from_address=SENDER,
                     to_address=ADDRESS, token_address=USDT, decimals=6, known_token=True),
        ),
        deposit=DepositCheck(addresses_checked=(ADDRESS,), to_deposit_address=True,
                             network_supported=True, asset="USDT", asset_supported=True,
                             expected_amount=Decimal("250.5"), received_amount=Decimal("250.5"),
                             amount_matches=True),
    )  # fmt: skip
    return base.replace(**changes)


def conversation_result(d: Diagnosis, language: str = EN) -> chain_services.ConversationDiagnosis:
    return chain_services.ConversationDiagnosis(
        diagnosis=d,
        customer=explain(d, language),
        texts={EN: explain(d, EN), ZH: explain(d, ZH)},
    )


@pytest.fixture
def stub_diagnosis(monkeypatch):
    calls: list[dict[str, Any]] = []

    def fake(**kwargs: Any) -> chain_services.ConversationDiagnosis:
        calls.append(kwargs)
        # Keep the real authorisation: the stub replaces only the chain reading.
        if kwargs.get("actor") is not None:
            from blockdesk.conversations.selectors import get_conversation_for_agent

            get_conversation_for_agent(user=kwargs["actor"], pk=kwargs["conversation"].pk)
        return conversation_result(diagnosis(), kwargs["conversation"].contact.locale or EN)

    monkeypatch.setattr(chain_services, "diagnose_for_conversation", fake)
    return calls


# --- entity highlighting ----------------------------------------------------------------


def test_hashes_and_addresses_are_highlighted_with_explorer_links(
    agent_client, channel, contact, chains
):
    conv = open_conversation(
        channel, contact, f"I sent USDT on Ethereum, tx {TX} to {ADDRESS} <b>help</b>"
    )
    html = agent_client.get(url(conv)).content.decode()
    assert f'<span class="entity entity-tx" title="Ethereum">{TX}</span>' in html
    assert f'<span class="entity entity-address" title="Ethereum">{ADDRESS}</span>' in html
    assert f'href="https://etherscan.io/tx/{TX}"' in html
    assert f'href="https://etherscan.io/address/{ADDRESS}"' in html
    # One Diagnose button, on the hash, bound to the panel's form.
    assert html.count('name="message_hash"') == 1
    assert f'form="diagnose-form" name="message_hash" value="{TX}"' in html
    assert 'id="diagnose-form"' in html
    # The rest of the message is still escaped text.
    assert "&lt;b&gt;help&lt;/b&gt;" in html and "<b>help</b>" not in html


def test_without_a_known_network_there_is_no_explorer_link(agent_client, channel, contact):
    conv = open_conversation(channel, contact, f"where is {TX}?")
    html = agent_client.get(url(conv)).content.decode()
    assert f'<span class="entity entity-tx">{TX}</span>' in html
    assert "etherscan" not in html
    assert f'value="{TX}"' in html  # still diagnosable


def test_the_network_named_earlier_in_the_conversation_picks_the_explorer(
    agent_client, channel, contact, chains
):
    conv = open_conversation(channel, contact, "我用的是TRC20网络")
    tron_hash = "ab" * 32  # bare hex: Bitcoin or TRON
    conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=conv, content=f"哈希 {tron_hash}"
    )
    html = agent_client.get(url(conv)).content.decode()
    assert f'href="https://tronscan.org/#/transaction/{tron_hash}"' in html


def test_live_updates_carry_utf16_entity_offsets(agent_client, channel, contact, chains):
    prefix = "👋 on Ethereum: "
    conv = open_conversation(channel, contact, f"{prefix}{TX}")
    data = agent_client.get(url(conv, "updates.json"), **JSON).json()
    [message] = [i for i in data["items"] if i["type"] == "message"]
    [entity] = message["entities"]
    start = len(prefix.encode("utf-16-le")) // 2
    assert (entity["start"], entity["end"]) == (start, start + len(TX))
    assert entity["kind"] == "tx"
    assert entity["explorer_url"] == f"https://etherscan.io/tx/{TX}"
    assert start == len(prefix) + 1  # the emoji is two UTF-16 units


def test_agent_messages_are_not_scanned(agent, agent_client, channel, contact):
    conv = open_conversation(channel, contact, "hello")
    conv_services.do_send_agent_message(agent=agent, conversation=conv, content=f"is it {TX}?")
    html = agent_client.get(url(conv)).content.decode()
    assert "entity-tx" not in html


# --- diagnosis ----------------------------------------------------------------------------


def test_diagnose_returns_facts_and_stores_them(
    agent_client, agent, channel, contact, stub_diagnosis
):
    conv = open_conversation(channel, contact, f"my 250.5 USDT via ERC20 is missing: {TX}")
    response = agent_client.post(url(conv, "diagnose/"), {"message_hash": TX}, **JSON)
    assert response.status_code == 200
    d = response.json()["diagnosis"]
    assert d["status"] == "confirming" and d["status_label"] == "Confirming"
    rows = {r["label"]: r["value"] for r in d["rows"]}
    assert rows["Network"] == "Ethereum"
    assert rows["Confirmations"] == "3 of 12"
    assert rows["Fee paid"] == "0.00042 ETH"
    assert rows["Token transfer"].startswith("250.5 USDT:")
    assert rows["To our deposit address"] == "yes"
    assert d["customer"]["title"] == "Your transaction went through and is being confirmed"
    assert d["customer"]["text"].startswith(d["customer"]["title"])
    assert d["explorer_url"] == f"https://etherscan.io/tx/{TX}"
    assert d["can_watch"] is True
    assert "3 of 12" in d["note_text"]
    # The customer's message and the network they named reached the diagnosis.
    [call] = stub_diagnosis
    assert call["tx_hash"] == TX and "actor" not in call  # access was checked before
    assert TX in call["text"] and call["chain"] == "ethereum"
    # Stored as an internal event with the facts, shown in the timeline and the panel.
    event = ConversationEvent.objects.get(conversation=conv, kind="diagnosis")
    assert event.is_public is False and event.actor == agent
    assert event.data["result"]["facts"]["confirmation"]["required"] == 12
    html = agent_client.get(url(conv)).content.decode()
    assert "checked transaction 0x3f3f3f3f" in html
    assert "Your transaction went through and is being confirmed" in html
    assert f'data-diagnosis-event="{event.pk}"' in html


def test_diagnosis_explanation_is_in_the_customers_language(
    agent_client, channel, contact, stub_diagnosis
):
    contact.locale = "zh-hans"
    contact.save(update_fields=["locale"])
    conv = open_conversation(channel, contact, f"充值没到账 {TX}")
    d = agent_client.post(url(conv, "diagnose/"), {"tx_hash": TX}, **JSON).json()["diagnosis"]
    assert d["customer"]["language"] == "zh-hans"
    assert "正在等待确认" in d["customer"]["title"]


def test_diagnose_without_javascript_redirects_back_to_the_panel(
    agent_client, channel, contact, stub_diagnosis
):
    conv = open_conversation(channel, contact, f"tx {TX}")
    response = agent_client.post(url(conv, "diagnose/"), {"tx_hash": TX})
    assert response.status_code == 302
    assert response["Location"].endswith("#crypto-panel")


def test_diagnose_is_not_found_for_an_agent_without_the_inbox(
    outsider_client, channel, contact, stub_diagnosis
):
    conv = open_conversation(channel, contact, f"tx {TX}")
    assert outsider_client.post(url(conv, "diagnose/"), {"tx_hash": TX}, **JSON).status_code == 404
    assert outsider_client.post(url(conv, "diagnose/"), {"tx_hash": TX}).status_code == 404
    assert stub_diagnosis == []
    assert not ConversationEvent.objects.filter(kind="diagnosis").exists()


def test_diagnose_requires_the_csrf_token(agent, channel, contact, stub_diagnosis):
    conv = open_conversation(channel, contact, f"tx {TX}")
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(url(conv, "diagnose/"), {"tx_hash": TX}, **JSON).status_code == 403
    assert stub_diagnosis == []
    client.get(url(conv))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(url(conv, "diagnose/"), {"tx_hash": TX}, HTTP_X_CSRFTOKEN=token, **JSON)
    assert response.status_code == 200


def test_diagnose_rejects_a_request_without_a_hash(agent_client, channel, contact, stub_diagnosis):
    conv = open_conversation(channel, contact, "hello")
    response = agent_client.post(url(conv, "diagnose/"), {"tx_hash": "  "}, **JSON)
    assert response.status_code == 422
    assert response.json()["error"]["fields"]["tx_hash"]
    assert agent_client.get(url(conv, "diagnose/")).status_code == 405


def test_revert_and_deposit_problems_are_spelled_out(agent_client, channel, contact, monkeypatch):
    from blockdesk.chain.diagnosis.facts import Advice, RevertFacts

    failed = diagnosis(
        Status.FAILED,
        confirmation=None,
        revert=RevertFacts(kind="error_string", message="ERC20: transfer amount exceeds balance"),
        deposit=DepositCheck(addresses_checked=(), to_deposit_address=False,
                             network_supported=True, problems=(Advice.WRONG_ADDRESS,)),
    )  # fmt: skip
    monkeypatch.setattr(
        chain_services, "diagnose_for_conversation", lambda **kw: conversation_result(failed)
    )
    conv = open_conversation(channel, contact, f"failed? {TX}")
    d = agent_client.post(url(conv, "diagnose/"), {"tx_hash": TX}, **JSON).json()["diagnosis"]
    rows = {r["label"]: r for r in d["rows"]}
    assert rows["Revert reason"]["value"] == "ERC20: transfer amount exceeds balance"
    assert rows["Revert reason"]["warn"] is True
    assert rows["Deposit problems"]["value"] == "not sent to our deposit address"
    assert d["can_watch"] is False  # failed is final


# --- watching -------------------------------------------------------------------------------


def test_watch_until_confirmed_posts_the_outcome_to_the_customer(
    agent_client, agent, channel, contact, monkeypatch, django_capture_on_commit_callbacks
):
    conv = open_conversation(channel, contact, f"on ethereum: {TX}")
    response = agent_client.post(url(conv, "watch/"), {"tx_hash": TX, "chain": "ethereum"}, **JSON)
    assert response.status_code == 200
    watch = TransactionWatch.objects.get(pk=response.json()["watch"]["id"])
    assert watch.context == {"conversation_id": conv.pk, "agent_id": agent.pk}
    # A second click does not start a second watch.
    again = agent_client.post(url(conv, "watch/"), {"tx_hash": TX}, **JSON).json()
    assert again["watch"]["id"] == watch.pk
    assert TransactionWatch.objects.count() == 1

    confirmed = diagnosis(
        Status.CONFIRMED,
        confirmation=ConfirmationFacts(
            block_number=19_000_000, confirmations=12, required=12, block_time_seconds=12.0
        ),
    )
    monkeypatch.setattr(chain_services, "diagnose_transaction", lambda **kw: confirmed)
    with django_capture_on_commit_callbacks(execute=True):
        assert chain_services.do_check_watch(watch_id=watch.pk) == "confirmed"

    system = Message.objects.get(conversation=conv, sender_type=Message.SenderType.SYSTEM)
    assert system.is_private is False  # the customer sees it
    assert system.content.startswith("Your transaction is complete")
    event = ConversationEvent.objects.get(conversation=conv, kind="diagnosis")
    assert event.data["via"] == "watch" and event.data["outcome"] == "confirmed"
    assert event.is_public is False


def test_watch_finished_hook_writes_in_the_contacts_language_and_notifies_the_assignee(
    agent, channel, contact, django_capture_on_commit_callbacks
):
    import asyncio

    from asgiref.sync import async_to_sync, sync_to_async
    from channels.layers import get_channel_layer

    from blockdesk.common.realtime import user_group

    contact.locale = "zh-hans"
    contact.save(update_fields=["locale"])
    conv = open_conversation(channel, contact, f"{TX}")
    conv_services.do_assign(actor=agent, conversation=conv, assignee=agent)
    watch = TransactionWatch.objects.create(
        account=conv.account, tx_hash=TX, context={"conversation_id": conv.pk},
        deadline="2030-01-01T00:00:00Z", state="finished", outcome="failed",
    )  # fmt: skip
    layer = get_channel_layer()
    failed = diagnosis(Status.FAILED, confirmation=None)

    def finish() -> list[Any]:
        with django_capture_on_commit_callbacks(execute=True):
            return watch_finished.send_robust(
                sender=TransactionWatch, watch=watch, outcome="failed", diagnosis=failed,
                context={"conversation_id": conv.pk},
            )  # fmt: skip

    async def scenario() -> tuple[list[Any], dict[str, Any]]:
        # One event loop for the whole exchange: the Redis layer's channels live in one.
        channel_name = await layer.new_channel()
        await layer.group_add(user_group(agent.pk), channel_name)
        results = await sync_to_async(finish)()  # same thread: same test transaction
        try:
            while True:
                message = await asyncio.wait_for(layer.receive(channel_name), timeout=5)
                if message["event"]["type"] == "chain.watch_finished":
                    return results, message["event"]
        finally:
            await layer.group_discard(user_group(agent.pk), channel_name)

    results, event = async_to_sync(scenario)()
    assert not [r for _, r in results if isinstance(r, Exception)]
    system = Message.objects.get(conversation=conv, sender_type=Message.SenderType.SYSTEM)
    assert system.content.startswith("这笔交易执行失败了")
    assert event["conversation_id"] == conv.pk and event["outcome"] == "failed"
    assert event["message_id"] == system.pk


def test_watch_that_followed_a_sped_up_copy_says_so_first(channel, contact):
    conv = open_conversation(channel, contact, f"{TX}")
    faster = "0x" + "ab" * 32
    context = {"conversation_id": conv.pk, "replaced_hashes": [TX]}
    watch = TransactionWatch.objects.create(
        account=conv.account, tx_hash=faster, context=context,
        deadline="2030-01-01T00:00:00Z", state="finished", outcome="confirmed",
    )  # fmt: skip
    watch_finished.send(
        sender=TransactionWatch, watch=watch, outcome="confirmed",
        diagnosis=diagnosis(Status.CONFIRMED), context=context,
    )  # fmt: skip
    system = Message.objects.get(conversation=conv, sender_type=Message.SenderType.SYSTEM)
    first, rest = system.content.split("\n\n", 1)
    assert first.startswith(f"Your wallet replaced transaction {TX} with a faster copy, {faster}")
    assert rest.startswith("Your transaction is complete")


def test_watch_hook_ignores_contexts_of_other_accounts(other_account, channel, contact):
    conv = open_conversation(channel, contact, "hi")
    watch = TransactionWatch.objects.create(
        account=other_account, tx_hash=TX, context={"conversation_id": conv.pk},
        deadline="2030-01-01T00:00:00Z", state="finished", outcome="confirmed",
    )  # fmt: skip
    watch_finished.send(
        sender=TransactionWatch, watch=watch, outcome="confirmed",
        diagnosis=diagnosis(Status.CONFIRMED), context={"conversation_id": conv.pk},
    )  # fmt: skip
    assert not Message.objects.filter(conversation=conv, sender_type="system").exists()


def test_watch_is_not_found_for_an_agent_without_the_inbox(outsider_client, channel, contact):
    conv = open_conversation(channel, contact, f"tx {TX}")
    assert outsider_client.post(url(conv, "watch/"), {"tx_hash": TX}, **JSON).status_code == 404
    assert not TransactionWatch.objects.exists()


# --- knowledge --------------------------------------------------------------------------------


@pytest.fixture
def starter_kb(account, settings, tmp_path, monkeypatch):
    """The shipped starter articles, searched lexically from a per-test index."""
    from blockdesk.kb.importexport import load_starter

    monkeypatch.setenv("BLOCKDESK_KB_EMBEDDER", "none")
    settings.BLOCKDESK_KB_EMBEDDER = "none"
    settings.DATA_DIR = tmp_path
    settings.PUBLIC_URL = "https://support.example.com"
    load_starter(account=account)


def test_knowledge_panel_suggests_deposit_articles(agent_client, channel, contact, starter_kb):
    conv = open_conversation(channel, contact, "My USDT deposit has not arrived yet")
    conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=conv,
        content=f"I sent it two hours ago, the hash is {TX}",
    )  # fmt: skip
    data = agent_client.get(url(conv, "knowledge.json")).json()
    assert data["suggested"] is True and data["language"] == "en"
    assert TX not in data["query"] and "deposit" in data["query"]
    keys = [a["key"] for a in data["articles"]]
    assert keys and all(a["language"] == "en" for a in data["articles"])
    assert any(k.startswith("deposit-") for k in keys[:3]), keys
    first = data["articles"][0]
    assert first["url"].startswith("https://support.example.com/help/en/")
    assert first["summary"] and first["title"]


def test_knowledge_panel_search_and_language(agent_client, channel, contact, starter_kb):
    contact.locale = "zh-CN"
    contact.save(update_fields=["locale"])
    conv = open_conversation(channel, contact, "你好")
    data = agent_client.get(url(conv, "knowledge.json") + "?q=充错链了").json()
    assert data["suggested"] is False and data["language"] == "zh-hans"
    assert data["articles"][0]["key"] == "deposit-wrong-network"
    assert data["articles"][0]["language"] == "zh-hans"


def test_knowledge_panel_is_not_found_for_outsiders(outsider_client, channel, contact):
    conv = open_conversation(channel, contact, "deposit missing")
    assert outsider_client.get(url(conv, "knowledge.json")).status_code == 404


def test_create_article_link_shows_on_resolved_conversations(agent, agent_client, channel, contact):
    conv = open_conversation(channel, contact, "hello")
    link = f'href="/app/kb/new/from-conversation/{conv.display_id}/" data-create-article hidden'
    assert link in agent_client.get(url(conv)).content.decode()
    conv_services.do_change_status(actor=agent, conversation=conv, status="resolved")
    html = agent_client.get(url(conv)).content.decode()
    assert f'href="/app/kb/new/from-conversation/{conv.display_id}/" data-create-article>' in html
    assert 'href="/app/kb/"' in html  # the nav link
    assert json.loads(
        html.split('id="console-config" type="application/json">')[1].split("</script>")[0]
    )["conversation"]["urls"]["knowledge"].startswith(url(conv, "knowledge.json"))
