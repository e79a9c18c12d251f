"""The structured result of a transaction diagnosis.

Everything is a frozen dataclass; :meth:`Diagnosis.as_dict` gives plain JSON (amounts as decimal
strings, integers above 2**53 as strings so JavaScript keeps them exact).
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

_JS_SAFE = 2**53


class Status(enum.StrEnum):
    INVALID_HASH = "invalid_hash"  # not a transaction hash at all
    NOT_FOUND = "not_found"  # no configured network knows it
    WRONG_NETWORK = "wrong_network"  # not on the network asked about, but on another one
    PENDING = "pending"  # broadcast, waiting to be included in a block
    DROPPED = "dropped"  # replaced by another transaction with the same nonce, expired, or
    #                      evicted from the pool unmined (seen pending before, now gone)
    FAILED = "failed"  # included in a block, but reverted: nothing moved except the fee
    CONFIRMING = "confirming"  # succeeded, fewer confirmations than required
    CONFIRMED = "confirmed"  # succeeded with the required confirmations
    UNAVAILABLE = "unavailable"  # the network could not be asked


class Advice(enum.StrEnum):
    CHECK_HASH = "check_hash"
    CHECK_NETWORK = "check_network"
    REBROADCAST = "rebroadcast"
    WAIT = "wait"
    WAIT_FOR_CONFIRMATIONS = "wait_for_confirmations"
    CREDITED = "credited"
    SPEED_UP = "speed_up"  # EVM: same nonce, higher fee
    CANCEL_SAME_NONCE = "cancel_same_nonce"  # EVM: 0-value self-transfer, same nonce
    FILL_NONCE_GAP = "fill_nonce_gap"
    RBF = "rbf"  # Bitcoin replace-by-fee
    CPFP = "cpfp"  # Bitcoin child-pays-for-parent
    RETRY_WITH_MORE_GAS = "retry_with_more_gas"
    FIX_CAUSE_AND_RETRY = "fix_cause_and_retry"
    WRONG_NETWORK_RECOVERY = "wrong_network_recovery"
    WRONG_ADDRESS = "wrong_address"
    UNSUPPORTED_TOKEN = "unsupported_token"  # noqa: S105 (not a secret)
    UNSUPPORTED_NETWORK = "unsupported_network"
    ASSET_MISMATCH = "asset_mismatch"
    MEMO_MISSING = "memo_missing"
    AMOUNT_MISMATCH = "amount_mismatch"
    NOTHING_RECEIVED = "nothing_received"
    TRY_LATER = "try_later"
    AGENT_REVIEW = "agent_review"
    FOLLOW_REPLACEMENT = "follow_replacement"  # EVM: a sped-up copy carries the payment
    SEND_AGAIN = "send_again"  # EVM: dropped unmined, the nonce is free again


@dataclass(frozen=True, slots=True)
class Transfer:
    """A movement of value seen in the transaction (native coin or token)."""

    standard: str  # "native", "erc20", "trc20"
    symbol: str
    amount: Decimal | None  # None when decimals are unknown
    raw_amount: int
    from_address: str
    to_address: str
    token_address: str = ""  # "" for the native coin
    decimals: int | None = None
    known_token: bool = False  # listed in the registry


@dataclass(frozen=True, slots=True)
class FeeFacts:
    kind: str  # "eip1559", "legacy", "bitcoin", "tron"
    unit: str  # unit of the per-gas / rate fields: "wei", "sat/vB", "sun"
    paid: Decimal | None = None  # in the native coin, once included
    gas_limit: int | None = None
    gas_used: int | None = None
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    effective_gas_price: int | None = None
    base_fee_now: int | None = None  # the next block's base fee, per the node
    suggested_priority_fee: int | None = None
    suggested_max_fee_per_gas: int | None = None
    fee_rate: float | None = None  # Bitcoin: what the tx pays, sat/vB
    rate_next_block: float | None = None
    rate_half_hour: float | None = None
    rate_hour: float | None = None
    vsize: int | None = None
    energy_used: int | None = None  # TRON
    too_low: bool = False  # cannot be included at today's prices
    low: bool = False  # can be included, but may wait longer than usual


@dataclass(frozen=True, slots=True)
class NonceFacts:
    nonce: int
    next_nonce: int  # eth_getTransactionCount(sender, "latest")
    pending_count: int | None = None  # eth_getTransactionCount(sender, "pending")

    @property
    def gap(self) -> int:
        """How many earlier transactions of the sender must be mined first."""
        return max(0, self.nonce - self.next_nonce)

    @property
    def replaced(self) -> bool:
        return self.nonce < self.next_nonce


@dataclass(frozen=True, slots=True)
class RevertFacts:
    kind: str  # "error_string", "panic", "custom", "unknown_selector", "no_data", "out_of_gas",
    #            "out_of_energy", "unavailable"
    message: str = ""
    panic_code: int | None = None
    panic_reason: str = ""  # registry.PANIC_CODES key
    error_name: str = ""
    error_signature: str = ""
    error_args: dict[str, Any] = field(default_factory=dict)
    raw_data: str = ""


@dataclass(frozen=True, slots=True)
class ConfirmationFacts:
    block_number: int
    confirmations: int
    required: int
    block_time_seconds: float

    @property
    def remaining(self) -> int:
        return max(0, self.required - self.confirmations)

    @property
    def eta_seconds(self) -> int:
        return round(self.remaining * self.block_time_seconds)


@dataclass(frozen=True, slots=True)
class DepositCheck:
    addresses_checked: tuple[str, ...]
    to_deposit_address: bool
    network_supported: bool
    asset: str = ""
    expected_asset: str = ""
    asset_supported: bool | None = None
    asset_matches_expected: bool | None = None
    expected_amount: Decimal | None = None
    received_amount: Decimal | None = None
    amount_matches: bool | None = None
    memo_required: bool = False
    memo_present: bool | None = None
    problems: tuple[Advice, ...] = ()

    @property
    def ok(self) -> bool:
        return self.to_deposit_address and not self.problems


@dataclass(frozen=True, slots=True)
class Sighting:
    """What a look at a pending EVM transaction showed: enough to tell later, once the hash is
    gone, whether it was replaced (the sender's nonce was used by another transaction) or
    dropped unmined. Transactions are public data; nothing here is secret."""

    chain_key: str
    from_address: str
    nonce: int
    to_address: str
    value_wei: int
    input_digest: str  # sha256 of the calldata, hex: tells a speed-up from another payment
    block_number: int  # the chain's latest block when it was seen


@dataclass(frozen=True, slots=True)
class ReplacementFacts:
    """The mined transaction that took a vanished transaction's nonce."""

    tx_hash: str
    kind: str  # "speed_up" (same payment, new fee), "cancel" (nothing, to itself), "other"
    status: Status  # the replacement's own: CONFIRMING, CONFIRMED or FAILED
    block_number: int
    confirmations: int
    required: int  # confirmations the platform needs
    explorer_url: str = ""


@dataclass(frozen=True, slots=True)
class FoundElsewhere:
    chain_key: str
    chain_name: str
    status: Status


@dataclass(frozen=True)
class Diagnosis:
    tx_hash: str
    status: Status
    chain_key: str = ""  # where it was found (or asked about, when not found)
    chain_name: str = ""
    family: str = ""
    native_symbol: str = ""
    requested_chain_key: str = ""
    requested_chain_name: str = ""
    checked_chains: tuple[str, ...] = ()
    checked_chain_names: tuple[str, ...] = ()
    unavailable_chains: tuple[str, ...] = ()
    found_elsewhere: tuple[FoundElsewhere, ...] = ()
    from_address: str = ""
    to_address: str = ""
    value: Decimal | None = None  # native coin sent
    explorer_url: str = ""
    confirmation: ConfirmationFacts | None = None
    fee: FeeFacts | None = None
    nonce: NonceFacts | None = None
    revert: RevertFacts | None = None
    transfers: tuple[Transfer, ...] = ()
    deposit: DepositCheck | None = None
    rbf_signalled: bool | None = None  # Bitcoin
    expired: bool = False  # TRON: past its expiration without being included
    seen_before: bool = False  # not found now, but seen pending earlier (see Sighting)
    replaced_by: ReplacementFacts | None = None
    sighting: Sighting | None = None  # what to remember of a pending EVM transaction
    advice: tuple[Advice, ...] = ()
    needs_agent: bool = False

    @property
    def settled(self) -> bool:
        """Nothing more will change by waiting."""
        return self.status in (
            Status.CONFIRMED,
            Status.FAILED,
            Status.DROPPED,
            Status.WRONG_NETWORK,
            Status.INVALID_HASH,
        )

    def replace(self, **changes: Any) -> Diagnosis:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        data = _jsonable(dataclasses.asdict(self))
        if self.nonce is not None:
            data["nonce"]["gap"] = self.nonce.gap
            data["nonce"]["replaced"] = self.nonce.replaced
        if self.confirmation is not None:
            data["confirmation"]["remaining"] = self.confirmation.remaining
            data["confirmation"]["eta_seconds"] = self.confirmation.eta_seconds
        if self.deposit is not None:
            data["deposit"]["ok"] = self.deposit.ok
        data["settled"] = self.settled
        return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, bool) or value is None or isinstance(value, (str, float)):
        return value
    if isinstance(value, int):
        return value if abs(value) < _JS_SAFE else str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def format_amount(value: Decimal) -> str:
    """1.500000 -> "1.5", 1E+2 -> "100"."""
    text = format(value.normalize(), "f")
    return text if value else "0"
