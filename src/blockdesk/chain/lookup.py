"""Is this 64-hex value a transaction on one of our chains?

The secret guard asks this for a bare 64-hex string that no nearby words explain: a
transaction hash stays in the message, anything else is treated as a private key and
redacted. The value goes only to the account's own configured, enabled endpoints, with a
short timeout; an admin can switch the lookup off (BLOCKDESK_GUARD_TX_LOOKUP=false), in
which case the guard's conservative default applies."""

from __future__ import annotations

import logging
import re

from django.conf import settings

from blockdesk.chain.models import Chain
from blockdesk.chain.rpc import ChainApiError
from blockdesk.chain.rpc.esplora import EsploraClient
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient
from blockdesk.chain.rpc.tron import TronClient

logger = logging.getLogger(__name__)
_HEX64 = re.compile(r"(?:0x)?([0-9a-fA-F]{64})")
LOOKUP_TIMEOUT = 2.0


def _found_on(chain: Chain, digest: str) -> bool:
    urls = chain.url_list
    private = chain.allow_private_rpc
    if chain.family == "evm":
        with EvmRpcClient(urls, timeout=LOOKUP_TIMEOUT, allow_private=private) as evm:
            return evm.get_transaction("0x" + digest) is not None
    if chain.family == "bitcoin":
        with EsploraClient(urls, timeout=LOOKUP_TIMEOUT, allow_private=private) as esplora:
            return esplora.transaction(digest) is not None
    if chain.family == "tron":
        api_key = chain.api_key or ""
        with TronClient(
            urls, api_key=api_key, timeout=LOOKUP_TIMEOUT, allow_private=private
        ) as tron:
            return tron.transaction(digest) is not None
    return False


def is_known_transaction(*, account_id: int, value: str) -> bool:
    match = _HEX64.fullmatch(value.strip())
    if match is None or not getattr(settings, "GUARD_TX_LOOKUP", True):
        return False
    digest = match.group(1).lower()
    chains = Chain.objects.filter(account_id=account_id, enabled=True).exclude(rpc_urls="")
    for chain in chains:
        try:
            if _found_on(chain, digest):
                return True
        except ChainApiError:
            # An unreachable node answers nothing; the value itself is never logged.
            logger.info("transaction lookup on %s failed", chain.key)
    return False
