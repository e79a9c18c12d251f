"""Migration 0003 adds `allow_private_rpc` (off) and switches it on for chains already saved
with a private or local endpoint, so an own node or the demo devnet keeps working."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("chain", "0002_transaction_sighting")]
AFTER = [("chain", "0003_chain_allow_private_rpc")]

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


# Migrates the whole project back and forth in process (~60 s of CPU when idle).
@pytest.mark.timeout(900)
@pytest.mark.django_db(transaction=True)
def test_existing_private_endpoints_keep_working() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    Account = old_apps.get_model("accounts", "Account")
    Chain = old_apps.get_model("chain", "Chain")
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
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new_apps = executor.loader.project_state(AFTER).apps
    Chain = new_apps.get_model("chain", "Chain")
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

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
