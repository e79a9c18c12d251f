"""Migration 0003 adds `allow_private_rpc` (off) and switches it on for chains already saved
with a private or local endpoint, so an own node or the demo devnet keeps working."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db.migrations import RunPython

from blockdesk.accounts.models import Account
from blockdesk.chain.models import Chain

migration = importlib.import_module("blockdesk.chain.migrations.0003_chain_allow_private_rpc")

URLS = {
    "public": "https://mainnet.example-rpc.io/v3/KEY",
    "public-ip": "https://93.184.215.14/rpc",
    "loopback": "http://127.0.0.1:8545",
    "localhost": "http://localhost:8545",
    "lan": "https://rpc.example.org\nhttp://192.168.1.20:8545",  # the second one is private
    "numeric": "http://2130706433:8545",
    "ula": "http://[fd00::5]:8545/",
    "intranet": "http://eth-node:8545",
    "none": "",
}


def test_the_migration_runs_the_flagging_step_after_adding_the_field() -> None:
    steps = migration.Migration.operations
    assert steps[0].name == "allow_private_rpc"  # type: ignore[attr-defined]
    assert isinstance(steps[-1], RunPython)
    assert steps[-1].code is migration.flag_private_chains


# The step runs on today's model rather than migrating the whole project back to chain 0002
# and forward again (that took over a minute a pass): the step reads `rpc_urls` and writes
# `allow_private_rpc`, both unchanged since 0003.
@pytest.mark.django_db
def test_existing_private_endpoints_keep_working() -> None:
    account = Account.objects.create(name="Migrated")
    for number, (key, urls) in enumerate(URLS.items(), start=1000):
        Chain.objects.create(
            account=account,
            key=key,
            name=key,
            family="evm",
            evm_chain_id=number,
            native_symbol="ETH",
            rpc_urls=urls,
            allow_private_rpc=False,
        )

    migration.flag_private_chains(apps, None)  # the step uses no schema editor

    flagged = dict(Chain.objects.values_list("key", "allow_private_rpc"))
    assert flagged == {
        "public": False,
        "public-ip": False,
        "loopback": True,
        "localhost": True,
        "lan": True,
        "numeric": True,
        "ula": True,
        "intranet": True,
        "none": False,
    }
    # The URLs themselves are untouched (still encrypted, still readable).
    assert Chain.objects.get(key="lan").rpc_urls == URLS["lan"]
