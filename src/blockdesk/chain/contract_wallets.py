"""EIP-1271 contract-wallet signature checks through the account's chain registry, for
Sign-In with Ethereum (`chain.siwe.verify(contract_checker=...)`). Used by the widget's
wallet sign-in (wallet_auth) and the public side's customer accounts (customers): both
sit above this app, so the check lives here, once."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.utils.translation import gettext_lazy

from blockdesk.chain.models import Chain, Family
from blockdesk.chain.rpc import RpcError, RpcUnavailable
from blockdesk.chain.rpc.jsonrpc import EvmRpcClient
from blockdesk.common.errors import BlockdeskError

logger = logging.getLogger(__name__)

EIP1271_MAGIC = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes)


class ChainUnavailable(BlockdeskError):
    status = 503
    code = "chain_unavailable"
    default_message = gettext_lazy(
        "We could not reach the network to check your smart-contract wallet. "
        "Please try again in a moment."
    )


def contract_wallet_rpc_urls(*, account_id: int, chain_id: int) -> tuple[list[str], bool]:
    """RPC endpoints of the account's enabled EVM chain with this id (empty when none is
    configured: contract wallets on that chain cannot be checked), and whether they may be
    private addresses (the chain's allow_private_rpc)."""
    chain = (
        Chain.objects.filter(
            account_id=account_id, family=Family.EVM, evm_chain_id=chain_id, enabled=True
        )
        .order_by("pk")
        .first()
    )
    return (chain.url_list, chain.allow_private_rpc) if chain is not None else ([], False)


def contract_checker_for(
    *, account_id: int, chain_id: int
) -> Callable[[str, bytes, bytes], bool] | None:
    """An EIP-1271 checker on the account's configured chain with this id, or None.

    Called by `siwe.verify` only after EOA recovery failed: it asks the node for code at the
    address (no code: not a contract, refused) and then `isValidSignature(hash, signature)`,
    which must return the magic value 0x1626ba7e. An unreachable node is ChainUnavailable
    (503: try again), never a refusal."""
    urls, allow_private = contract_wallet_rpc_urls(account_id=account_id, chain_id=chain_id)
    if not urls:
        return None

    def check(address: str, digest: bytes, signature: bytes) -> bool:
        from eth_abi import encode as abi_encode  # on use: ~17 MB with eth_utils

        data = EIP1271_MAGIC + abi_encode(["bytes32", "bytes"], [digest, signature])
        try:
            with EvmRpcClient(urls, allow_private=allow_private) as rpc:
                code = rpc.request("eth_getCode", [address, "latest"])
                if not isinstance(code, str) or code.lower() in ("0x", "0x0", ""):
                    return False
                try:
                    result = rpc.call({"to": address, "data": "0x" + data.hex()})
                except RpcError:
                    return False  # a revert is a "no"
        except RpcUnavailable as exc:
            logger.warning("EIP-1271 check on chain %s could not reach a node", chain_id)
            raise ChainUnavailable() from exc
        try:
            raw = bytes.fromhex(result[2:] if result[:2].lower() == "0x" else result)
        except ValueError:
            return False
        # An ABI-encoded bytes4: the magic value left-aligned in one 32-byte word.
        return len(raw) >= 32 and raw[:4] == EIP1271_MAGIC and not any(raw[4:32])

    return check
