"""The RPC watcher against a real local EVM node (ganache, as the chain tests run it) and a
dead port: degraded when the RPC stops answering or falls behind, back to operational when
it recovers, a person's state never overridden, the event written with the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone

from blockdesk.chain.models import Chain
from blockdesk.statuspage import services
from blockdesk.statuspage.models import Component, State, StateChange
from blockdesk.statuspage.watcher import do_check_chain_components
from tests.conftest import require_or_skip
from tests.support.event_log import events_after, last_event_id
from tests.support.evm_node import EvmNode, evm_nodes, ganache_unavailable_reason
from tests.support.live_server import free_port

pytestmark = pytest.mark.django_db(transaction=True)
CHAIN_ID = 31355


@pytest.fixture(scope="module")
def node() -> Iterator[EvmNode]:
    reason = ganache_unavailable_reason()
    require_or_skip(reason is None, reason or "")
    with evm_nodes(CHAIN_ID) as (started,):
        yield started


def watched(admin_user, url: str, key: str = "deposits-dev") -> Component:
    chain = Chain.objects.create(
        account=admin_user.account,
        key=key,
        name=f"Devnet {key}",
        family="evm",
        evm_chain_id=CHAIN_ID if key == "deposits-dev" else CHAIN_ID + 1,
        enabled=True,
        rpc_urls=url,
        allow_private_rpc=True,
        native_symbol="ETH",
        block_time_seconds=1,
    )
    return services.do_create_component(
        actor=admin_user, key=key, name="Deposits (devnet)", chain_id=chain.pk
    )


def test_live_node_is_operational_and_lagging_node_degrades_then_recovers(
    node: EvmNode, admin_user
) -> None:
    component = watched(admin_user, node.url)
    node.mine()
    assert do_check_chain_components() == 0
    component.refresh_from_db()
    assert component.state == State.OPERATIONAL
    # Seen two hours later without a new block: the RPC has fallen behind.
    before = last_event_id()
    later = timezone.now() + dt.timedelta(hours=2)
    assert do_check_chain_components(now=later) == 1
    component.refresh_from_db()
    assert component.state == State.DEGRADED and component.auto_state
    change = StateChange.objects.filter(component=component).latest("at")
    assert change.automatic and "behind" in change.reason
    event = events_after(before)[-1]
    assert event.name == "status.component_changed" and event.payload["automatic"] is True
    assert node.url not in str(event.payload)  # no RPC URL (it may carry a key) in the log
    # A fresh block: recovered by the watcher.
    node.mine()
    assert do_check_chain_components() == 1
    component.refresh_from_db()
    assert component.state == State.OPERATIONAL


def test_dead_port_degrades_and_a_persons_state_is_kept(admin_user) -> None:
    component = watched(admin_user, f"http://127.0.0.1:{free_port()}", key="withdrawals-dead")
    assert do_check_chain_components() == 1
    component.refresh_from_db()
    assert component.state == State.DEGRADED
    assert "does not answer" in StateChange.objects.filter(component=component).latest("at").reason
    # A person declares a major outage: the watcher neither lowers nor clears it.
    services.do_set_component_state(actor=admin_user, component=component, state="major_outage")
    assert do_check_chain_components() == 0
    component.refresh_from_db()
    assert component.state == State.MAJOR_OUTAGE and not component.auto_state


def test_public_addresses_only_unless_allowed(admin_user) -> None:
    component = watched(admin_user, "http://127.0.0.1:9/", key="guarded")
    assert component.chain_id is not None
    Chain.objects.filter(pk=component.chain_id).update(allow_private_rpc=False)
    assert do_check_chain_components() == 1  # refused by the outbound guard: degraded
    component.refresh_from_db()
    assert component.state == State.DEGRADED
