"""The secret guard's transaction lookup against a real local EVM node."""

from __future__ import annotations

import secrets

import pytest

from blockdesk.chain.lookup import is_known_transaction
from blockdesk.safety import scan_inbound

pytestmark = pytest.mark.django_db


def test_a_real_transaction_is_known_and_kept(account, nodes, registry):
    node = nodes[0]
    sender = node.fresh_account()
    tx = node.send(sender, to=node.accounts[2].address, value=1, gas=21_000)
    bare = tx.removeprefix("0x")
    assert is_known_transaction(account_id=account.pk, value=bare)
    assert is_known_transaction(account_id=account.pk, value=tx)

    def hook(value: str) -> bool:
        return is_known_transaction(account_id=account.pk, value=value)

    text = f"hi, it is {bare} thanks"
    assert scan_inbound(text, is_known_transaction=hook).redacted_text == text
    unknown = secrets.token_hex(32)
    result = scan_inbound(f"hi, it is {unknown} thanks", is_known_transaction=hook)
    assert unknown not in result.redacted_text and result.has_secrets


def test_lookup_can_be_switched_off(account, nodes, registry, settings):
    node = nodes[0]
    tx = node.send(node.fresh_account(), to=node.accounts[2].address, value=1, gas=21_000)
    settings.GUARD_TX_LOOKUP = False
    assert not is_known_transaction(account_id=account.pk, value=tx)


def test_no_enabled_chain_means_unknown(account):
    assert not is_known_transaction(account_id=account.pk, value=secrets.token_hex(32))
