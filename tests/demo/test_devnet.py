"""The demo devnet seed against a REAL ganache node (one per module): the chain, token and
conversations it registers, what its transactions diagnose to, and that a second run changes
nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from blockdesk.accounts.models import Account, User
from blockdesk.chain import services
from blockdesk.chain.diagnosis.facts import Advice, Status
from blockdesk.chain.models import Chain, ContractAbi, DepositAddress, Token
from blockdesk.conversations.models import Conversation, Message
from blockdesk.demo.devnet import CHAIN_KEY, banner_lines, demo_conversations, seed_devnet
from blockdesk.demo.devnet_node import (
    CUSTOMER,
    DEPOSIT_ADDRESS,
    FAULTY_ADDRESS,
    TOKEN_ADDRESS,
    WRONG_ADDRESS,
)
from blockdesk.demo.management.commands.seed_demo import DEMO_ACCOUNT
from blockdesk.records import anchoring
from blockdesk.records import services as records
from blockdesk.records.models import AnchorSettings
from tests.conftest import require_or_skip
from tests.support.evm_node import EvmNode, evm_nodes, ganache_unavailable_reason

pytestmark = pytest.mark.django_db

DEVNET_CHAIN_ID = 1337


@pytest.fixture(scope="module")
def node() -> Iterator[EvmNode]:
    reason = ganache_unavailable_reason()
    require_or_skip(reason is None, reason or "")
    with evm_nodes(DEVNET_CHAIN_ID) as (started,):
        yield started


@pytest.fixture
def demo_account(db: None) -> Account:
    call_command("seed_demo", stdout=io.StringIO())
    return Account.objects.get(name=DEMO_ACCOUNT)


def counts(account: Account) -> dict[str, int]:
    chains = Chain.objects.filter(account=account)
    return {
        "chains": chains.count(),
        "tokens": Token.objects.filter(chain__in=chains).count(),
        "deposits": DepositAddress.objects.filter(chain__in=chains).count(),
        "abis": ContractAbi.objects.filter(account=account).count(),
        "conversations": Conversation.objects.filter(account=account).count(),
        "messages": Message.objects.filter(conversation__account=account).count(),
    }


def contents(account: Account) -> list[str]:
    messages = Message.objects.filter(conversation__account=account)
    return sorted(messages.values_list("content", flat=True))


def test_seed_registers_the_chain_and_diagnoses_every_case(node, demo_account):
    call_command("seed_devnet", rpc_url=node.url, block_time=2, stdout=io.StringIO())

    chain = Chain.objects.get(account=demo_account, key=CHAIN_KEY)
    assert (chain.name, chain.enabled, chain.evm_chain_id) == ("Demo devnet", True, 1337)
    assert (chain.required_confirmations, chain.block_time_seconds) == (3, 2.0)
    assert chain.url_list == [node.url]
    with connection.cursor() as cursor:  # stored encrypted, like every RPC URL
        table = Chain._meta.db_table
        cursor.execute(f"SELECT rpc_urls FROM {table} WHERE id = %s", [chain.pk])  # noqa: S608
        (raw,) = cursor.fetchone()
    assert node.url not in raw and "127.0.0.1" not in raw
    token = Token.objects.get(chain=chain)
    assert (token.symbol, token.decimals, token.contract_address) == ("DUSD", 6, TOKEN_ADDRESS)
    assert DepositAddress.objects.get(chain=chain).address == DEPOSIT_ADDRESS
    assert ContractAbi.objects.get(chain=chain).address.lower() == FAULTY_ADDRESS.lower()

    seed = seed_devnet(account=demo_account, rpc_url=node.url, block_seconds=2)
    hashes = seed.onchain.hashes
    # The precomputed contract addresses are where the deployments really landed.
    for step, address in (("deploy_token", TOKEN_ADDRESS), ("deploy_faulty", FAULTY_ADDRESS)):
        assert node.receipt(hashes[step])["contractAddress"].lower() == address.lower()

    def diagnose(step: str, **kw):  # type: ignore[no-untyped-def]
        return services.diagnose_transaction(tx_hash=hashes[step], account_id=demo_account.pk, **kw)

    eth = diagnose("eth_deposit", expected_asset="ETH", expected_amount="0.5")
    assert eth.status is Status.CONFIRMED and eth.chain_key == CHAIN_KEY
    assert eth.deposit.ok and eth.deposit.received_amount == Decimal("0.5")
    assert eth.advice == (Advice.CREDITED,)

    dusd = diagnose("dusd_deposit", expected_asset="DUSD", expected_amount="250")
    (transfer,) = dusd.transfers
    assert (transfer.symbol, transfer.amount, transfer.known_token) == ("DUSD", 250, True)
    assert dusd.status is Status.CONFIRMED and dusd.deposit.ok

    wrong = diagnose("dusd_wrong_address", expected_asset="DUSD")
    assert wrong.status is Status.CONFIRMED
    assert wrong.deposit.problems == (Advice.WRONG_ADDRESS,)
    assert wrong.transfers[0].to_address == WRONG_ADDRESS

    reverted = diagnose("reverted_withdrawal")
    assert reverted.status is Status.FAILED
    assert reverted.revert.message == "Withdrawal amount exceeds balance"
    assert reverted.transfers == () and reverted.fee.paid > 0

    # The conversations, as the console's one-click diagnosis reads them.
    english, chinese = demo_conversations(account=demo_account)
    assert english.inbox.channel_kind == chinese.inbox.channel_kind == "web_widget"
    assert chinese.contact.locale == "zh-hans"
    expected = {
        "eth_deposit": (Status.CONFIRMED, ()),
        "dusd_deposit": (Status.CONFIRMED, ()),
        "reverted_withdrawal": (Status.FAILED, None),
        "eth_wrong_address": (Status.CONFIRMED, (Advice.WRONG_ADDRESS,)),
    }
    quoted = {}
    for conversation in (english, chinese):
        for message in conversation.messages.filter(sender_type=Message.SenderType.CONTACT):
            step = next(s for s, h in hashes.items() if h in message.content)  # not redacted
            result = services.diagnose_for_conversation(
                conversation=conversation, tx_hash=hashes[step], text=message.content
            )
            problems = result.diagnosis.deposit.problems if result.diagnosis.deposit else None
            quoted[step] = (result.diagnosis.status, problems)
            if conversation is chinese:
                assert f"而是发到了 {WRONG_ADDRESS}" in result.customer.text
    assert quoted == expected
    assert chinese.messages.first().content.startswith("你好")
    assert CUSTOMER.address == eth.transfers[0].from_address


def test_a_second_run_changes_nothing(node, demo_account):
    first = seed_devnet(account=demo_account, rpc_url=node.url)
    before, block = counts(demo_account), node.block_number()
    texts = contents(demo_account)
    again = seed_devnet(account=demo_account, rpc_url=node.url)
    assert (again.onchain.sent, again.created) == (0, 0)
    assert again.onchain.hashes == first.onchain.hashes
    assert counts(demo_account) == before and node.block_number() == block
    assert contents(demo_account) == texts
    out = io.StringIO()
    call_command("seed_devnet", rpc_url=node.url, stdout=out)
    assert out.getvalue() == "Demo devnet already seeded.\n"


def test_switched_off_without_its_node_and_on_again_when_seeded(node, demo_account):
    seed_devnet(account=demo_account, rpc_url=node.url)
    out = io.StringIO()
    call_command("seed_devnet", off=True, stdout=out)
    assert out.getvalue() == "The demo devnet chain is switched off until its node runs.\n"
    assert not Chain.objects.get(account=demo_account, key=CHAIN_KEY).enabled
    assert banner_lines(base_url="http://h:1", account_name=DEMO_ACCOUNT) == []
    again = io.StringIO()
    call_command("seed_devnet", off=True, stdout=again)
    assert again.getvalue() == ""  # nothing to switch off
    seed_devnet(account=demo_account, rpc_url=node.url)
    assert Chain.objects.get(account=demo_account, key=CHAIN_KEY).enabled
    assert AnchorSettings.objects.get(account=demo_account).enabled


def test_records_anchoring_runs_on_the_devnet(node, demo_account):
    seed_devnet(account=demo_account, rpc_url=node.url)
    found = AnchorSettings.objects.get(account=demo_account)
    assert found.enabled and found.chain.key == CHAIN_KEY and found.wallet_address
    records.do_append_record(account=demo_account, case_ref="demo-1", kind="opened", fields={})
    anchor = anchoring.do_anchor_latest(account=demo_account)
    assert anchor is not None and anchor.status == "pending", anchor.last_error
    call_command("seed_devnet", off=True, stdout=io.StringIO())
    assert not AnchorSettings.objects.get(account=demo_account).enabled


def test_banner_points_to_the_conversations_while_the_node_answers(node, demo_account):
    assert banner_lines(base_url="http://h:1", account_name=DEMO_ACCOUNT) == []
    seed_devnet(account=demo_account, rpc_url=node.url)
    english, chinese = demo_conversations(account=demo_account)
    text = "\n".join(banner_lines(base_url="http://h:1", account_name=DEMO_ACCOUNT))
    assert f"http://h:1/app/c/{english.display_id}/   Sam Taylor" in text
    assert f"http://h:1/app/c/{chinese.display_id}/   陈静" in text
    chain = Chain.objects.get(account=demo_account, key=CHAIN_KEY)
    admin = User.objects.get(account=demo_account, username="admin")
    services.do_configure_chain(actor=admin, chain=chain, rpc_urls="http://127.0.0.1:9")
    assert banner_lines(base_url="http://h:1", account_name=DEMO_ACCOUNT) == []  # node gone


def test_refuses_a_node_that_is_not_on_loopback(account, admin_user, channel):
    before = counts(account)
    with pytest.raises(CommandError, match="loopback"):
        call_command("seed_devnet", rpc_url="http://10.1.2.3:8545", account=account.name)
    assert counts(account) == before


def test_the_console_offers_diagnose_on_every_quoted_hash(node, demo_account, client):
    seed = seed_devnet(account=demo_account, rpc_url=node.url)
    client.force_login(User.objects.get(account=demo_account, username="alice"))
    english, chinese = demo_conversations(account=demo_account)
    page = client.get(f"/app/c/{english.display_id}/").content.decode()
    for step in ("eth_deposit", "dusd_deposit", "reverted_withdrawal"):
        assert f'name="message_hash" value="{seed.onchain.hashes[step]}"' in page
    response = client.post(
        f"/app/c/{chinese.display_id}/diagnose/",
        {"message_hash": seed.onchain.hashes["eth_wrong_address"]},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    facts = response.json()["diagnosis"]
    assert facts["tx_hash"] == seed.onchain.hashes["eth_wrong_address"]
    assert f"而是发到了 {WRONG_ADDRESS}" in str(facts)  # the Chinese text, for the Chinese case
