"""Automatic components: a component tied to a chain of the registry goes degraded when the
chain's RPC stops answering or falls behind (its newest block is older than
`STATUS_RPC_MAX_LAG_SECONDS`, or ten typical block times if longer), and back to operational
once it recovers — only if the watcher set the state: a person's state is never overridden.

A periodic job (`common/periodic`). Every family of the registry: EVM (JSON-RPC
`eth_getBlockByNumber`), Bitcoin (Esplora: the tip block's time) and TRON (`getnowblock`);
the clients are the chain app's, through the outbound guard (`common/netguard`) like every
chain call, trying the chain's URLs in order (a dead first URL with a live second is fine)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from blockdesk.chain.models import Chain, Family
from blockdesk.chain.rpc import ChainApiError, RpcUnavailable
from blockdesk.chain.rpc.esplora import EsploraClient
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient
from blockdesk.chain.rpc.tron import TronClient
from blockdesk.common.netguard import UnsafeTarget
from blockdesk.events.registry import Actor
from blockdesk.statuspage import services
from blockdesk.statuspage.models import Component, State

logger = logging.getLogger(__name__)


def newest_block_time(chain: Chain) -> dt.datetime:
    """When the newest block the chain's RPC knows was made; raises when it does not answer."""
    timeout = settings.STATUS_RPC_TIMEOUT_SECONDS
    private = chain.allow_private_rpc
    if chain.family == Family.BITCOIN:
        with EsploraClient(chain.url_list, timeout=timeout, allow_private=private) as esplora:
            _height, seconds = esplora.tip_block()
    elif chain.family == Family.TRON:
        with TronClient(
            chain.url_list, api_key=chain.api_key, timeout=timeout, allow_private=private
        ) as tron:
            _number, seconds = tron.head_block()
    else:
        with EvmRpcClient(chain.url_list, timeout=timeout, allow_private=private) as client:
            block = client.get_block("latest")
        if not block or "timestamp" not in block:
            raise RpcUnavailable("no block")
        seconds = int(block["timestamp"], 16)
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def rpc_problem(chain: Chain, *, now: dt.datetime) -> str | None:
    """None when the RPC answers with a recent block; else why not (no URL in it)."""
    try:
        newest = newest_block_time(chain)
    except (ChainApiError, UnsafeTarget, OSError, ValueError) as exc:
        return f"RPC does not answer ({type(exc).__name__})"
    lag = (now - newest).total_seconds()
    limit = max(settings.STATUS_RPC_MAX_LAG_SECONDS, 10 * chain.block_time_seconds)
    if lag > limit:
        return f"RPC is behind: newest block {int(lag)} s old"
    return None


def do_check_chain_components(*, now: dt.datetime | None = None) -> int:
    """Returns how many components changed state."""
    now = now or timezone.now()
    changed = 0
    watched = Component.objects.filter(
        chain__isnull=False, chain__enabled=True, chain__family__in=Family.values
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
