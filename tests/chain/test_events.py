"""Where the account asks about its customers' transactions is on the event log: a network
added, its endpoints (masked: never a provider key) or private-address permission changed."""

from __future__ import annotations

import pytest

from blockdesk.chain import services
from blockdesk.chain.models import Chain
from blockdesk.common.errors import ValidationFailed
from tests.support.event_log import (
    assert_rolled_back_change_writes_nothing,
    events_after,
    last_event_id,
    only_event,
)

pytestmark = pytest.mark.django_db

KEYED = "https://mainnet.example-rpc.io/v3/KEY-abc123?apikey=s3cret"


def test_adding_a_chain_masks_its_endpoints(account, admin_user) -> None:
    event, chain = only_event(
        lambda: services.do_create_chain(
            actor=admin_user,
            key="mychain",
            name="My chain",
            family="evm",
            native_symbol="MYC",
            evm_chain_id=777,
            rpc_urls=KEYED,
            api_key="provider-key-42",
        ),
        "chain.added",
    )
    assert event.payload == {
        "chain": {
            "id": chain.pk,
            "key": "mychain",
            "name": "My chain",
            "family": "evm",
            "evm_chain_id": 777,
            "enabled": False,
            "rpc_endpoints": ["https://mainnet.example-rpc.io/****"],
            "allow_private_rpc": False,
            "api_key_set": True,
        }
    }
    for secret in ("KEY-abc123", "s3cret", "provider-key-42"):
        assert secret not in str(event.payload)
    assert (event.actor_kind, event.actor_id) == ("agent", admin_user.pk)
    assert (event.subject_type, event.subject_id) == ("chain", chain.pk)
    assert event.account_id == account.pk


def test_changing_the_rpc_and_allowing_private_addresses(account, admin_user) -> None:
    services.seed_default_chains(account=account)
    chain = Chain.objects.get(account=account, key="ethereum")

    event, _ = only_event(
        lambda: services.do_configure_chain(
            actor=admin_user, chain=chain, rpc_urls="http://127.0.0.1:8545", allow_private_rpc=True
        ),
        "chain.changed",
    )
    assert event.payload["changed"] == ["allow_private_rpc", "rpc_urls"]
    assert event.payload["rpc_changed"] is True
    assert event.payload["chain"]["allow_private_rpc"] is True
    assert event.payload["chain"]["rpc_endpoints"] == ["http://127.0.0.1:8545"]

    event, _ = only_event(
        lambda: services.do_configure_chain(actor=admin_user, chain=chain, enabled=True),
        "chain.changed",
    )
    assert (event.payload["changed"], event.payload["rpc_changed"]) == (["enabled"], False)

    before = last_event_id()
    services.do_configure_chain(actor=admin_user, chain=chain, enabled=True)  # no change
    assert events_after(before) == []


def test_a_refused_or_rolled_back_change_writes_nothing(account, admin_user) -> None:
    services.seed_default_chains(account=account)
    chain = Chain.objects.get(account=account, key="ethereum")
    before = last_event_id()
    with pytest.raises(ValidationFailed):  # a private address without the permission
        services.do_configure_chain(actor=admin_user, chain=chain, rpc_urls="http://10.0.0.5")
    assert events_after(before) == []
    assert_rolled_back_change_writes_nothing(
        lambda: services.do_configure_chain(actor=admin_user, chain=chain, rpc_urls=KEYED)
    )
