"""The RPC watcher for Bitcoin (Esplora) and TRON (full-node HTTP API) chains of the registry,
against LOCAL STAND-INS of those APIs (tests/chain/diagnosis/standins.py: their nodes cannot
run here, so a loopback http.server answers in the shape the real APIs return) and a dead
port: degraded when the RPC stops answering or falls behind, operational again once it
recovers, through the same production clients the chain diagnosis uses."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from django.utils import timezone

from blockdesk.chain.models import Chain
from blockdesk.statuspage import services
from blockdesk.statuspage.models import Component, State, StateChange
from blockdesk.statuspage.watcher import do_check_chain_components
from tests.chain.diagnosis.standins import StandIn, tron_now_block
from tests.support.live_server import free_port

pytestmark = pytest.mark.django_db
TIP_HASH = "00000000000000000002" + "ab" * 22


def esplora_tip(server: StandIn, *, height: int, age_seconds: float) -> None:
    """GET /blocks/tip/hash (plain text) and GET /block/:hash, as Esplora answers them."""
    server.get["/blocks/tip/hash"] = (200, TIP_HASH)
    server.get[f"/block/{TIP_HASH}"] = (
        200,
        {
            "id": TIP_HASH,
            "height": height,
            "version": 0x20000000,
            "timestamp": int(time.time() - age_seconds),
            "tx_count": 3120,
            "size": 1_543_210,
            "weight": 3_993_000,
            "previousblockhash": "00" * 32,
            "mediantime": int(time.time() - age_seconds - 3000),
            "nonce": 123456,
            "bits": 386089497,
            "difficulty": 83148355189239.77,
        },
    )


def tron_tip(server: StandIn, *, number: int, age_seconds: float) -> None:
    block = tron_now_block(number)
    block["block_header"]["raw_data"]["timestamp"] = int((time.time() - age_seconds) * 1000)
    server.post[("/wallet/getnowblock", "")] = (200, block)


@pytest.fixture
def esplora() -> Iterator[StandIn]:
    with StandIn().running() as server:
        esplora_tip(server, height=870_000, age_seconds=240)
        yield server


@pytest.fixture
def trongrid() -> Iterator[StandIn]:
    with StandIn().running() as server:
        tron_tip(server, number=66_000_000, age_seconds=3)
        yield server


def watched(admin_user, *, family: str, urls: str, key: str, block_time: float) -> Component:
    chain = Chain.objects.create(
        account=admin_user.account,
        key=key,
        name=key.title(),
        family=family,
        enabled=True,
        rpc_urls=urls,
        allow_private_rpc=True,  # a local stand-in on loopback
        api_key="tron-key-xyz" if family == "tron" else "",
        block_time_seconds=block_time,
        native_symbol="BTC" if family == "bitcoin" else "TRX",
    )
    return services.do_create_component(
        actor=admin_user, key=f"deposits-{key}", name=f"{key} deposits", chain_id=chain.pk
    )


def state_of(component: Component) -> str:
    component.refresh_from_db()
    return str(component.state)


def last_reason(component: Component) -> str:
    return StateChange.objects.filter(component=component).latest("at").reason


def test_bitcoin_behind_then_recovered(admin_user, esplora: StandIn) -> None:
    component = watched(
        admin_user, family="bitcoin", urls=esplora.url, key="bitcoin", block_time=600
    )
    assert do_check_chain_components() == 0
    assert state_of(component) == State.OPERATIONAL
    # Two hours without a new block (ten Bitcoin block times is 100 minutes): behind.
    esplora_tip(esplora, height=870_000, age_seconds=2 * 3600)
    assert do_check_chain_components() == 1
    assert state_of(component) == State.DEGRADED
    assert "behind" in last_reason(component)
    assert esplora.url not in last_reason(component)
    # A new tip: back to operational, by the watcher.
    esplora_tip(esplora, height=870_001, age_seconds=30)
    assert do_check_chain_components() == 1
    assert state_of(component) == State.OPERATIONAL
    assert last_reason(component) == "RPC recovered"


def test_bitcoin_endpoint_without_a_tip_block_is_not_answering(admin_user, esplora) -> None:
    component = watched(
        admin_user, family="bitcoin", urls=esplora.url, key="bitcoin", block_time=600
    )
    del esplora.get[f"/block/{TIP_HASH}"]  # the stand-in now answers 404 for the block
    assert do_check_chain_components() == 1
    assert state_of(component) == State.DEGRADED
    assert "does not answer" in last_reason(component)


def test_tron_stops_answering_then_recovers(admin_user, trongrid: StandIn) -> None:
    component = watched(admin_user, family="tron", urls=trongrid.url, key="tron", block_time=3)
    assert do_check_chain_components() == 0
    assert state_of(component) == State.OPERATIONAL
    # The node's API key went with the request (the production client, not a copy).
    assert trongrid.requests[-1][2].get("TRON-PRO-API-KEY") == "tron-key-xyz"
    # The node answers 503: it does not answer.
    trongrid.post[("/wallet/getnowblock", "")] = (503, {"Error": "overloaded"})
    assert do_check_chain_components() == 1
    assert state_of(component) == State.DEGRADED
    assert "does not answer" in last_reason(component)
    # Seen again, still down: no second change.
    assert do_check_chain_components() == 0
    tron_tip(trongrid, number=66_000_100, age_seconds=2)
    assert do_check_chain_components() == 1
    assert state_of(component) == State.OPERATIONAL


def test_tron_behind_by_the_lag_setting(admin_user, trongrid: StandIn, settings) -> None:
    settings.STATUS_RPC_MAX_LAG_SECONDS = 120
    component = watched(admin_user, family="tron", urls=trongrid.url, key="tron", block_time=3)
    tron_tip(trongrid, number=66_000_000, age_seconds=300)  # 100 blocks of 3 s missing
    assert do_check_chain_components() == 1
    assert state_of(component) == State.DEGRADED
    assert "behind" in last_reason(component)


def test_dead_first_url_falls_over_to_a_live_one(admin_user, trongrid, esplora) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    tron = watched(
        admin_user, family="tron", urls=f"{dead}\n{trongrid.url}", key="tron", block_time=3
    )
    btc = watched(
        admin_user, family="bitcoin", urls=f"{dead}\n{esplora.url}", key="bitcoin", block_time=600
    )
    assert do_check_chain_components() == 0
    assert state_of(tron) == State.OPERATIONAL and state_of(btc) == State.OPERATIONAL


def test_dead_port_degrades_and_a_persons_state_is_kept(admin_user) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    tron = watched(admin_user, family="tron", urls=dead, key="tron", block_time=3)
    btc = watched(admin_user, family="bitcoin", urls=dead, key="bitcoin", block_time=600)
    assert do_check_chain_components() == 2
    assert state_of(tron) == State.DEGRADED and state_of(btc) == State.DEGRADED
    services.do_set_component_state(actor=admin_user, component=btc, state="major_outage")
    assert do_check_chain_components() == 0
    assert state_of(btc) == State.MAJOR_OUTAGE


def test_disabled_chain_is_not_watched(admin_user) -> None:
    component = watched(
        admin_user, family="tron", urls=f"http://127.0.0.1:{free_port()}", key="tron", block_time=3
    )
    Chain.objects.filter(pk=component.chain_id).update(enabled=False)
    assert do_check_chain_components(now=timezone.now() + dt.timedelta(hours=1)) == 0
    assert state_of(component) == State.OPERATIONAL
