"""Automatic components: a component tied to a chain of the registry goes degraded when the
chain's RPC stops answering or falls behind (its newest block is older than
`STATUS_RPC_MAX_LAG_SECONDS`, or ten typical block times if longer), and back to operational
once it recovers — only if the watcher set the state: a person's state is never overridden.

A periodic job (`common/periodic`). EVM chains only (JSON-RPC `eth_getBlockByNumber`); the
RPC client goes through the outbound guard (`common/netguard`) like every chain call."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from blockdesk.chain.models import Chain, Family
from blockdesk.chain.rpc import ChainApiError
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient
from blockdesk.common.netguard import UnsafeTarget
from blockdesk.events.registry import Actor
from blockdesk.statuspage import services
from blockdesk.statuspage.models import Component, State

logger = logging.getLogger(__name__)


def rpc_problem(chain: Chain, *, now: dt.datetime) -> str | None:
    """None when the RPC answers with a recent block; else why not (no URL in it)."""
    try:
        with EvmRpcClient(
            chain.url_list,
            timeout=settings.STATUS_RPC_TIMEOUT_SECONDS,
            allow_private=chain.allow_private_rpc,
        ) as client:
            block = client.get_block("latest")
    except (ChainApiError, UnsafeTarget, OSError) as exc:
        return f"RPC does not answer ({type(exc).__name__})"
    if not block or "timestamp" not in block:
        return "RPC does not answer (no block)"
    timestamp = dt.datetime.fromtimestamp(int(block["timestamp"], 16), tz=dt.UTC)
    lag = (now - timestamp).total_seconds()
    limit = max(settings.STATUS_RPC_MAX_LAG_SECONDS, 10 * chain.block_time_seconds)
    if lag > limit:
        return f"RPC is behind: newest block {int(lag)} s old"
    return None


def do_check_chain_components(*, now: dt.datetime | None = None) -> int:
    """Returns how many components changed state."""
    now = now or timezone.now()
    changed = 0
    watched = Component.objects.filter(
        chain__isnull=False, chain__enabled=True, chain__family=Family.EVM
    ).select_related("chain")
    for component in watched:
        chain = component.chain
        assert chain is not None
        if not chain.url_list:
            continue
        problem = rpc_problem(chain, now=now)
        with transaction.atomic():
            current = Component.objects.select_for_update().get(pk=component.pk)
            if problem and current.state == State.OPERATIONAL:
                changed += services.set_state(
                    current,
                    State.DEGRADED,
                    actor=Actor.system(),
                    automatic=True,
                    reason=problem,
                    now=now,
                )
                logger.warning("status: %s degraded: %s", current.key, problem)
            elif not problem and current.auto_state and current.state == State.DEGRADED:
                changed += services.set_state(
                    current,
                    State.OPERATIONAL,
                    actor=Actor.system(),
                    automatic=True,
                    reason="RPC recovered",
                    now=now,
                )
    return changed


def check_chain_components() -> int:
    return do_check_chain_components()
