"""Did a transaction make a valid deposit? Address, network, asset, memo and amount."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from blockdesk.chain.addresses import to_checksum_address
from blockdesk.chain.diagnosis.facts import Advice, DepositCheck, Transfer
from blockdesk.chain.registry import ChainInfo, normalize_address


def check_deposit(
    *,
    chain: ChainInfo,
    transfers: Sequence[Transfer],
    expected_asset: str | None,
    expected_amount: Decimal | None,
    deposit_address: str | None,
    memo: str | None,
    extra_addresses: Sequence[str] = (),
    on_requested_network: bool = True,
) -> DepositCheck | None:
    """None when the question is not about a deposit to the platform.

    ``extra_addresses``: platform addresses of the network the customer meant, which the same
    key also controls here (one EVM address is valid on every EVM chain).
    """
    registry_addresses = [d.address for d in chain.deposits]
    candidates = [deposit_address] if deposit_address else [*registry_addresses, *extra_addresses]
    wanted = {normalize_address(a) for a in candidates if a}
    hits = [t for t in transfers if normalize_address(t.to_address) in wanted]
    if not (deposit_address or expected_asset or hits):
        return None

    problems: list[Advice] = []
    own = {normalize_address(d.address) for d in chain.deposits}
    # On another network than the customer said, a deposit is still normal if it reached an
    # address we watch on *that* network; anything else needs recovering by hand.
    valid_there = (
        bool(hits)
        and not deposit_address
        and chain.deposit_supported
        and all(normalize_address(t.to_address) in own for t in hits)
    )
    if not on_requested_network and not valid_there:
        problems.append(Advice.WRONG_NETWORK_RECOVERY)
    if not chain.deposit_supported:
        problems.append(Advice.UNSUPPORTED_NETWORK)
    if not hits:
        problems.append(Advice.WRONG_ADDRESS if transfers else Advice.NOTHING_RECEIVED)

    # The asset that arrived: the expected one if present, else the first thing that arrived.
    asset = ""
    arrived = hits
    if expected_asset:
        same = [t for t in hits if t.symbol.upper() == expected_asset.upper()]
        arrived = same or hits
    if arrived:
        asset = arrived[0].symbol
        arrived = [t for t in arrived if t.symbol == asset]

    asset_supported: bool | None = None
    if arrived:
        first = arrived[0]
        if first.standard == "native":
            asset_supported = chain.native_deposit_supported
        else:
            token = chain.token(first.token_address)
            asset_supported = token is not None and token.deposit_supported
        if not asset_supported:
            problems.append(Advice.UNSUPPORTED_TOKEN)

    asset_matches: bool | None = None
    if expected_asset and arrived:
        asset_matches = asset.upper() == expected_asset.upper()
        if not asset_matches:
            problems.append(Advice.ASSET_MISMATCH)

    received: Decimal | None = None
    if arrived and all(t.amount is not None for t in arrived):
        received = sum((t.amount for t in arrived if t.amount is not None), Decimal(0))
    amount_matches: bool | None = None
    if expected_amount is not None and received is not None:
        amount_matches = received == expected_amount
        if not amount_matches:
            problems.append(Advice.AMOUNT_MISMATCH)

    matched_deposit = [
        d for d in chain.deposits if normalize_address(d.address) in wanted and d.memo
    ]
    memo_required = chain.memo_required or bool(matched_deposit)
    memo_present: bool | None = None
    if memo_required:
        memo_present = bool(memo and memo.strip())
        if not memo_present:
            problems.append(Advice.MEMO_MISSING)

    return DepositCheck(
        addresses_checked=tuple(sorted(_shown(chain, a) for a in wanted)),
        to_deposit_address=bool(hits),
        network_supported=chain.deposit_supported,
        asset=asset,
        expected_asset=(expected_asset or "").upper(),
        asset_supported=asset_supported,
        asset_matches_expected=asset_matches,
        expected_amount=expected_amount,
        received_amount=received,
        amount_matches=amount_matches,
        memo_required=memo_required,
        memo_present=memo_present,
        problems=tuple(problems),
    )


def _shown(chain: ChainInfo, normalized: str) -> str:
    """EVM addresses in their checksummed form, like the transaction's own addresses."""
    if chain.family == "evm" and re.fullmatch(r"0x[0-9a-f]{40}", normalized):
        return to_checksum_address(normalized)
    return normalized
