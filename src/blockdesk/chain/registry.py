"""Chain registry: defaults, read-only snapshots the diagnosis works on, and known error ABIs.

The diagnosis never touches the ORM: :mod:`blockdesk.chain.selectors` turns registry rows into
the frozen :class:`ChainInfo` snapshots defined here, so the chain readers stay pure and easy to
test. A snapshot holds decrypted endpoint URLs (``repr=False``); it must never be serialised.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from blockdesk.chain.addresses import validate_address
from blockdesk.chain.rpc import mask_url


def normalize_address(address: str) -> str:
    """Canonical spelling for comparisons (EIP-55, lower-case bech32, base58 as is)."""
    text = (address or "").strip()
    info = validate_address(text)
    if info is None:
        # Accept all-lower EVM hex from JSON-RPC logs even if validation is stricter later.
        return text.lower() if text.startswith("0x") else text
    return info.normalized


def same_address(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return normalize_address(a) == normalize_address(b)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    symbol: str
    decimals: int
    address: str
    deposit_supported: bool = True


@dataclass(frozen=True, slots=True)
class DepositInfo:
    address: str
    asset: str = ""  # "" = any asset the chain accepts
    memo: str = ""


@dataclass(frozen=True)
class ChainInfo:
    key: str
    name: str
    family: str  # models.Family value
    native_symbol: str
    native_decimals: int = 18
    evm_chain_id: int | None = None
    enabled: bool = True
    required_confirmations: int = 12
    block_time_seconds: float = 12.0
    native_deposit_supported: bool = True
    deposit_supported: bool = True
    memo_required: bool = False
    explorer_tx_url: str = ""
    explorer_address_url: str = ""
    tokens: tuple[TokenInfo, ...] = ()
    deposits: tuple[DepositInfo, ...] = ()
    urls: tuple[str, ...] = field(default=(), repr=False)
    api_key: str = field(default="", repr=False)
    allow_private_rpc: bool = False  # the URLs may be private/local addresses (own node)

    @property
    def queryable(self) -> bool:
        return self.enabled and self.family in ("evm", "bitcoin", "tron") and bool(self.urls)

    @property
    def masked_urls(self) -> list[str]:
        return [mask_url(u) for u in self.urls]

    def token(self, address: str) -> TokenInfo | None:
        wanted = normalize_address(address)
        return next((t for t in self.tokens if normalize_address(t.address) == wanted), None)

    def tokens_by_symbol(self, symbol: str) -> list[TokenInfo]:
        return [t for t in self.tokens if t.symbol.upper() == symbol.upper()]

    def tx_url(self, tx_hash: str) -> str:
        return self.explorer_tx_url.replace("{hash}", tx_hash) if self.explorer_tx_url else ""


# --- defaults ---------------------------------------------------------------------------------

# Everything is disabled and has no endpoint until an admin configures one: nothing is ever
# called by default. Example public endpoints are listed in docs/chain.md.
DEFAULT_CHAINS: tuple[dict[str, Any], ...] = (
    {
        "key": "ethereum",
        "name": "Ethereum",
        "family": "evm",
        "evm_chain_id": 1,
        "native_symbol": "ETH",
        "required_confirmations": 12,
        "block_time_seconds": 12.0,
        "explorer_tx_url": "https://etherscan.io/tx/{hash}",
        "explorer_address_url": "https://etherscan.io/address/{address}",
        "tokens": [
            ("USDT", 6, "0xdAC17F958D2ee523a2206206994597C13D831ec7"),
            ("USDC", 6, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"),
        ],
    },
    {
        "key": "bsc",
        "name": "BNB Smart Chain",
        "family": "evm",
        "evm_chain_id": 56,
        "native_symbol": "BNB",
        "required_confirmations": 15,
        "block_time_seconds": 0.75,
        "explorer_tx_url": "https://bscscan.com/tx/{hash}",
        "explorer_address_url": "https://bscscan.com/address/{address}",
        "tokens": [
            ("USDT", 18, "0x55d398326f99059fF775485246999027B3197955"),
            ("USDC", 18, "0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d"),
        ],
    },
    {
        "key": "polygon",
        "name": "Polygon PoS",
        "family": "evm",
        "evm_chain_id": 137,
        "native_symbol": "POL",
        "required_confirmations": 128,
        "block_time_seconds": 2.0,
        "explorer_tx_url": "https://polygonscan.com/tx/{hash}",
        "explorer_address_url": "https://polygonscan.com/address/{address}",
        "tokens": [
            ("USDT", 6, "0xc2132D05D31c914a87C6611C10748AEb04B58e8F"),
            ("USDC", 6, "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359"),
        ],
    },
    {
        "key": "arbitrum",
        "name": "Arbitrum One",
        "family": "evm",
        "evm_chain_id": 42161,
        "native_symbol": "ETH",
        "required_confirmations": 20,
        "block_time_seconds": 0.25,
        "explorer_tx_url": "https://arbiscan.io/tx/{hash}",
        "explorer_address_url": "https://arbiscan.io/address/{address}",
        "tokens": [
            ("USDT", 6, "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9"),
            ("USDC", 6, "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"),
        ],
    },
    {
        "key": "optimism",
        "name": "OP Mainnet",
        "family": "evm",
        "evm_chain_id": 10,
        "native_symbol": "ETH",
        "required_confirmations": 20,
        "block_time_seconds": 2.0,
        "explorer_tx_url": "https://optimistic.etherscan.io/tx/{hash}",
        "explorer_address_url": "https://optimistic.etherscan.io/address/{address}",
        "tokens": [
            ("USDT", 6, "0x94b008aA00579c1307B0EF2c499aD98a8ce58e58"),
            ("USDC", 6, "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85"),
        ],
    },
    {
        "key": "base",
        "name": "Base",
        "family": "evm",
        "evm_chain_id": 8453,
        "native_symbol": "ETH",
        "required_confirmations": 20,
        "block_time_seconds": 2.0,
        "explorer_tx_url": "https://basescan.org/tx/{hash}",
        "explorer_address_url": "https://basescan.org/address/{address}",
        "tokens": [("USDC", 6, "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913")],
    },
    {
        "key": "bitcoin",
        "name": "Bitcoin",
        "family": "bitcoin",
        "native_symbol": "BTC",
        "native_decimals": 8,
        "required_confirmations": 2,
        "block_time_seconds": 600.0,
        "explorer_tx_url": "https://mempool.space/tx/{hash}",
        "explorer_address_url": "https://mempool.space/address/{address}",
    },
    {
        "key": "tron",
        "name": "TRON",
        "family": "tron",
        "native_symbol": "TRX",
        "native_decimals": 6,
        "required_confirmations": 19,
        "block_time_seconds": 3.0,
        "explorer_tx_url": "https://tronscan.org/#/transaction/{hash}",
        "explorer_address_url": "https://tronscan.org/#/address/{address}",
        "tokens": [("USDT", 6, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")],
    },
    # Not queried; listed so the deposit rules (memo / destination tag) are on record.
    {
        "key": "ton",
        "name": "TON",
        "family": "other",
        "native_symbol": "TON",
        "native_decimals": 9,
        "required_confirmations": 1,
        "block_time_seconds": 5.0,
        "memo_required": True,
        "explorer_tx_url": "https://tonviewer.com/transaction/{hash}",
    },
    {
        "key": "xrp",
        "name": "XRP Ledger",
        "family": "other",
        "native_symbol": "XRP",
        "native_decimals": 6,
        "required_confirmations": 1,
        "block_time_seconds": 4.0,
        "memo_required": True,
        "explorer_tx_url": "https://livenet.xrpl.org/transactions/{hash}",
    },
)


# --- known errors -----------------------------------------------------------------------------

ERROR_STRING_SELECTOR = "08c379a0"  # Error(string)
PANIC_SELECTOR = "4e487b71"  # Panic(uint256)

# Solidity's panic codes -> a stable key the explanation texts use.
PANIC_CODES: dict[int, str] = {
    0x00: "generic",
    0x01: "assert",
    0x11: "overflow",
    0x12: "division_by_zero",
    0x21: "invalid_enum",
    0x22: "storage_encoding",
    0x31: "pop_empty",
    0x32: "out_of_bounds",
    0x41: "out_of_memory",
    0x51: "zero_function",
}


@dataclass(frozen=True, slots=True)
class ErrorSignature:
    name: str
    types: tuple[str, ...]
    arg_names: tuple[str, ...]
    contract: str = ""  # "" = not tied to one contract

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.types)})"

    @property
    def selector(self) -> str:
        from eth_utils import keccak  # on use: eth_utils costs ~16 MB per process

        return keccak(text=self.signature)[:4].hex()


def _abi_type(entry: dict[str, Any]) -> str:
    """Canonical type of an ABI input, expanding tuples (structs) recursively."""
    kind = str(entry.get("type", ""))
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in entry.get("components", []))
        return f"({inner}){kind[5:]}"
    return kind


def errors_from_abi(abi: Iterable[Any], *, contract: str = "") -> list[ErrorSignature]:
    found = []
    for entry in abi:
        if not isinstance(entry, dict) or entry.get("type") != "error" or not entry.get("name"):
            continue
        inputs = [i for i in entry.get("inputs", []) if isinstance(i, dict)]
        found.append(
            ErrorSignature(
                name=str(entry["name"]),
                types=tuple(_abi_type(i) for i in inputs),
                arg_names=tuple(str(i.get("name") or f"arg{n}") for n, i in enumerate(inputs)),
                contract=normalize_address(contract) if contract else "",
            )
        )
    return found


def _sig(name: str, *params: str) -> ErrorSignature:
    types = tuple(p.split()[0] for p in params)
    names = tuple(p.split()[1] for p in params)
    return ErrorSignature(name=name, types=types, arg_names=names)


# Custom errors of widely deployed code (OpenZeppelin 5 tokens, access control, Safe math-free
# helpers), so common failures decode without any ABI configured.
BUILTIN_ERRORS: tuple[ErrorSignature, ...] = (
    _sig("ERC20InsufficientBalance", "address sender", "uint256 balance", "uint256 needed"),
    _sig("ERC20InsufficientAllowance", "address spender", "uint256 allowance", "uint256 needed"),
    _sig("ERC20InvalidSender", "address sender"),
    _sig("ERC20InvalidReceiver", "address receiver"),
    _sig("ERC20InvalidApprover", "address approver"),
    _sig("ERC20InvalidSpender", "address spender"),
    _sig("OwnableUnauthorizedAccount", "address account"),
    _sig("AccessControlUnauthorizedAccount", "address account", "bytes32 neededRole"),
    _sig("EnforcedPause"),
    _sig("ReentrancyGuardReentrantCall"),
    _sig("SafeERC20FailedOperation", "address token"),
    _sig("AddressInsufficientBalance", "address account"),
    _sig("FailedInnerCall"),
)


class ErrorRegistry:
    """Selector -> candidate error signatures, most specific first."""

    def __init__(self, signatures: Sequence[ErrorSignature] = ()) -> None:
        self._by_selector: dict[str, list[ErrorSignature]] = {}
        for sig in (*signatures, *BUILTIN_ERRORS):
            self._by_selector.setdefault(sig.selector, []).append(sig)

    def lookup(self, selector: str, *, contract: str | None = None) -> list[ErrorSignature]:
        candidates = self._by_selector.get(selector.lower().removeprefix("0x"), [])
        wanted = normalize_address(contract) if contract else ""
        # The failing contract's own ABI first, then shared ABIs, then the built-in list.
        return sorted(candidates, key=lambda s: (s.contract != wanted, s.contract != ""))
