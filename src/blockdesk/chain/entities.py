"""Extract on-chain entities from free-form customer messages (Chinese, English or mixed).

Finds transaction hashes, valid addresses, token amounts and chain names, each with its span in
the original text. Everything is regex + checksum based and offline, so it is cheap enough to
run on every incoming message.

Not a secret scanner: a bare 64-hex string is reported as a possible Bitcoin/TRON transaction
id even though a raw private key looks the same; the safety app decides about secrets.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from blockdesk.chain.addresses import AddressInfo, ChainFamily, validate_address
from blockdesk.chain.chain_aliases import find_chain_aliases

_NB = r"(?<![A-Za-z0-9])"  # ASCII-only boundaries: \b would treat 汉字 as word characters
_NA = r"(?![A-Za-z0-9])"

_EVM_TX_RE = re.compile(rf"{_NB}0x[0-9a-fA-F]{{64}}{_NA}")
_HEX64_RE = re.compile(rf"{_NB}[0-9a-fA-F]{{64}}{_NA}")
_EVM_ADDR_RE = re.compile(rf"{_NB}0x[0-9a-fA-F]{{40}}{_NA}")
_BASE58_RE = re.compile(rf"{_NB}[1-9A-HJ-NP-Za-km-z]{{25,35}}{_NA}")
_BECH32_RE = re.compile(rf"{_NB}(?i:bc|tb|bcrt)1[02-9ac-hj-np-zAC-HJ-NP-Z]{{6,87}}{_NA}")

# Symbol spellings -> canonical ticker. Keys are matched case-insensitively.
_SYMBOLS: dict[str, str] = {
    "usdt": "USDT",
    "u": "USDT",  # "100u" / "100U" is common shorthand for USDT among Chinese users
    "泰达币": "USDT",
    "泰達幣": "USDT",
    "usdc": "USDC",
    "dai": "DAI",
    "busd": "BUSD",
    "fdusd": "FDUSD",
    "eth": "ETH",
    "weth": "WETH",
    "以太坊": "ETH",
    "以太币": "ETH",
    "以太幣": "ETH",
    "以太": "ETH",
    "btc": "BTC",
    "wbtc": "WBTC",
    "比特币": "BTC",
    "比特幣": "BTC",
    "bnb": "BNB",
    "币安币": "BNB",
    "幣安幣": "BNB",
    "trx": "TRX",
    "波场币": "TRX",
    "波場幣": "TRX",
    "matic": "MATIC",
    "pol": "POL",
    "sol": "SOL",
    "arb": "ARB",
    "op": "OP",
}
# Follow-ups that turn a symbol into something else: 以太网 is Ethernet, 以太坊经典 is ETC and
# 比特币现金 is BCH.
_SYMBOL_GUARDS = {
    "以太": "(?!网|網|坊)",  # 坊: do not fall back from a guarded 以太坊
    "以太坊": "(?!经典|經典)",
    "比特币": "(?!现金)",
    "比特幣": "(?!現金)",
}
_SYMBOL_ALT = "|".join(
    re.escape(s) + (_NA if s.isascii() else _SYMBOL_GUARDS.get(s, ""))
    for s in sorted(_SYMBOLS, key=len, reverse=True)  # longest first: "usdt" before "u"
)
# A ticker we do not list ("500 DUSD", "1,000 PEPE") is taken when written in capitals, as
# tickers are; these capital words after a number are units, fiat or jargon, never assets.
_NOT_TICKERS = frozenset(
    """
    AM PM UTC GMT CST EST PST CET HKT SGT JST KST BST MIN MINS HR HRS SEC SECS DAYS FA ID IDS
    TX TXS TXID TXIDS KB MB GB TB MS HZ KM CM MM PC PCS VIP API OTP SMS KYC APY APR ATH ETF
    USD CNY RMB EUR GBP JPY HKD KRW SGD AUD CAD INR RUB TRY BRL VND THB IDR PHP NGN UAH
    WEI GWEI SAT SATS VB VBYTE VBYTES BYTES SUN TOKEN TOKENS COIN COINS NFT NFTS OK
    """.split()  # noqa: SIM905 - a word list reads better than 90 quoted items
)
_TICKER_RE = r"[A-Z][A-Z0-9]{1,9}(?![A-Za-z0-9])"
_MULTIPLIERS = {"万": Decimal(10_000), "萬": Decimal(10_000), "k": Decimal(1_000)}
_AMOUNT_RE = re.compile(
    r"(?<![A-Za-z0-9.,_])"
    r"(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
    r"(?:\s?(?P<mult>万|萬|[kK](?![A-Za-z])))?"
    r"[ \t]{0,3}(?:个|個|枚)?[ \t]{0,3}"
    rf"(?:(?P<sym>(?i:{_SYMBOL_ALT}))|(?P<ticker>{_TICKER_RE}))"
)


@dataclass(frozen=True, slots=True)
class TxHashMention:
    text: str
    start: int
    end: int
    value: str  # lower-case; EVM hashes keep their 0x prefix
    families: tuple[ChainFamily, ...]  # (EVM,) for 0x form; (BITCOIN, TRON) for bare hex


@dataclass(frozen=True, slots=True)
class AddressMention:
    text: str
    start: int
    end: int
    info: AddressInfo


@dataclass(frozen=True, slots=True)
class AmountMention:
    text: str
    start: int
    end: int
    value: Decimal
    symbol: str  # canonical ticker, e.g. "USDT"


@dataclass(frozen=True, slots=True)
class ChainMention:
    text: str
    start: int
    end: int
    chain: str  # canonical key from chain_aliases.CHAIN_KEYS


@dataclass(frozen=True, slots=True)
class Entities:
    """Everything found in one message, each kind in text order.

    Tuples rather than lists so that the frozen instance is really immutable and hashable.
    """

    tx_hashes: tuple[TxHashMention, ...] = ()
    addresses: tuple[AddressMention, ...] = ()
    amounts: tuple[AmountMention, ...] = ()
    chains: tuple[ChainMention, ...] = ()

    @property
    def chain_keys(self) -> tuple[str, ...]:
        """Distinct chain keys in order of first mention."""
        return tuple(dict.fromkeys(c.chain for c in self.chains))

    def __bool__(self) -> bool:
        return bool(self.tx_hashes or self.addresses or self.amounts or self.chains)


class _Claimed:
    """Disjoint spans already claimed, kept sorted so overlap checks are O(log n)."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._spans, (start, end))
        # Disjointness means only the neighbours on either side can overlap.
        return (i > 0 and self._spans[i - 1][1] > start) or (
            i < len(self._spans) and self._spans[i][0] < end
        )

    def add(self, start: int, end: int) -> None:
        bisect.insort(self._spans, (start, end))


def _find_tx_hashes(text: str, taken: _Claimed) -> list[TxHashMention]:
    found = []
    for pattern, families in (
        (_EVM_TX_RE, (ChainFamily.EVM,)),
        (_HEX64_RE, (ChainFamily.BITCOIN, ChainFamily.TRON)),
    ):
        for m in pattern.finditer(text):
            if taken.overlaps(m.start(), m.end()):
                continue
            found.append(TxHashMention(m.group(), m.start(), m.end(), m.group().lower(), families))
            taken.add(m.start(), m.end())
    return sorted(found, key=lambda x: x.start)


def _find_addresses(text: str, taken: _Claimed) -> list[AddressMention]:
    found = []
    for pattern in (_EVM_ADDR_RE, _BECH32_RE, _BASE58_RE):
        for m in pattern.finditer(text):
            if taken.overlaps(m.start(), m.end()):
                continue
            info = validate_address(m.group())
            if info is None:
                continue
            found.append(AddressMention(m.group(), m.start(), m.end(), info))
            taken.add(m.start(), m.end())
    return sorted(found, key=lambda x: x.start)


def _find_amounts(text: str, taken: _Claimed) -> list[AmountMention]:
    found = []
    for m in _AMOUNT_RE.finditer(text):
        if taken.overlaps(m.start(), m.end()):
            continue
        if m["ticker"] and m["ticker"] in _NOT_TICKERS:
            continue
        try:
            value = Decimal(m["num"].replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the regex only admits decimals
            continue
        if m["mult"]:
            value *= _MULTIPLIERS[m["mult"].lower()]
        symbol = _SYMBOLS[m["sym"].lower()] if m["sym"] else m["ticker"]
        found.append(AmountMention(m.group(), m.start(), m.end(), value, symbol))
    return found


def extract_entities(text: str) -> Entities:
    """Find tx hashes, valid addresses, amounts and chain mentions in ``text``.

    Hashes are claimed first, then addresses, so that no part of one is reported as anything
    else; amounts and chain names never overlap those spans.
    """
    taken = _Claimed()
    tx_hashes = _find_tx_hashes(text, taken)
    addresses = _find_addresses(text, taken)
    amounts = _find_amounts(text, taken)
    chains = [
        ChainMention(a.text, a.start, a.end, a.chain)
        for a in find_chain_aliases(text)
        if not taken.overlaps(a.start, a.end)
    ]
    return Entities(tuple(tx_hashes), tuple(addresses), tuple(amounts), tuple(chains))
