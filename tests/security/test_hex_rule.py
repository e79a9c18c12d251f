"""A bare "0x" + 64 hex that no chain knows is treated as a possible private key (redacted,
the customer warned); one that is a transaction on a configured chain stays. The chain is
a real local ganache node."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from blockdesk.chain.models import Chain
from blockdesk.conversations.models import Contact, Conversation, Message
from blockdesk.safety import warning
from blockdesk.safety.fields import redact_free_text, redact_json
from tests.conftest import require_or_skip
from tests.support.evm_node import EvmNode, evm_nodes, ganache_unavailable_reason
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db
CHAIN_ID = 31339


@pytest.fixture(scope="module")
def node() -> Iterator[EvmNode]:
    reason = ganache_unavailable_reason()
    require_or_skip(reason is None, reason or "")
    with evm_nodes(CHAIN_ID) as (only,):
        yield only


@pytest.fixture
def chain(account, node: EvmNode) -> Chain:  # type: ignore[no-untyped-def]
    return Chain.objects.create(
        account=account,
        key="localnet",
        name="Localnet",
        family="evm",
        evm_chain_id=CHAIN_ID,
        enabled=True,
        rpc_urls=node.url,
        allow_private_rpc=True,  # a local stand-in on loopback
        native_symbol="ETH",
    )


def _send_tx(node: EvmNode) -> str:
    return node.send(node.fresh_account(), to=node.accounts[2].address, value=1, gas=21_000)


def test_a_transaction_on_a_configured_chain_stays(channel, chain, node) -> None:  # type: ignore[no-untyped-def]
    tx = _send_tx(node)
    assert tx.startswith("0x") and len(tx) == 66
    visitor = Visitor(channel).start()
    visitor.send(tx)
    conv = Conversation.objects.get()
    assert not conv.secret_exposed
    assert conv.messages.get(sender_type=Message.SenderType.CONTACT).content == tx
    # The same rule in every free-text field.
    assert redact_free_text(f"deposit {tx}", account_id=chain.account_id) == (f"deposit {tx}", ())


def test_an_unknown_value_is_redacted_even_with_a_chain_to_ask(channel, chain) -> None:  # type: ignore[no-untyped-def]
    unknown = "0x" + secrets.token_hex(32)
    visitor = Visitor(channel).start()
    visitor.send(unknown)
    conv = Conversation.objects.get()
    assert conv.secret_exposed
    assert conv.messages.get(sender_type=Message.SenderType.CONTACT).content == (
        "[REDACTED PRIVATE KEY]"
    )
    assert conv.messages.get(sender_type=Message.SenderType.SYSTEM).content == warning("en")
    clean, findings = redact_json({"ref": unknown}, account_id=chain.account_id)
    assert clean == {"ref": "[REDACTED PRIVATE KEY]"} and len(findings) == 1


def test_with_no_chain_configured_a_real_hash_is_redacted_too(channel, node, account) -> None:  # type: ignore[no-untyped-def]
    # Nothing to ask: no proof it is a transaction, so it is treated as a possible key.
    tx = _send_tx(node)
    contact = Contact.objects.create(account=account, name="Fay")
    from blockdesk.conversations.contact_services import do_update_contact

    do_update_contact(contact=contact, changes={"notes": tx})
    contact.refresh_from_db()
    assert contact.notes == "[REDACTED PRIVATE KEY]"
    # Words that say it is a transaction keep it, chain or no chain.
    do_update_contact(contact=contact, changes={"notes": f"txid {tx}"})
    contact.refresh_from_db()
    assert contact.notes == f"txid {tx}"
