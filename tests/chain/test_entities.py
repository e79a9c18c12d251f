"""Entity extraction from realistic customer messages in Chinese, English and both."""

from __future__ import annotations

from decimal import Decimal

import pytest

from blockdesk.chain.addresses import ChainFamily, Network
from blockdesk.chain.chain_aliases import CHAIN_KEYS
from blockdesk.chain.entities import Entities, extract_entities
from blockdesk.common.base58 import b58check_encode

EVM = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
BTC_P2PKH = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
BTC_P2WPKH = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
EVM_TX = "0x" + "9f3c1b2a" * 8
BTC_TX = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"


def _chains(text: str) -> list[str]:
    return [c.chain for c in extract_entities(text).chains]


def _amounts(text: str) -> list[tuple[Decimal, str]]:
    return [(a.value, a.symbol) for a in extract_entities(text).amounts]


def test_chinese_trc20_deposit_complaint() -> None:
    text = (
        f"你好，我昨天从币安提了100 USDT到这个地址{TRON}，用的TRC20网络，"
        f"但是还没到账。交易哈希：{BTC_TX} 请帮忙查一下"
    )
    e = extract_entities(text)
    assert [a.text for a in e.addresses] == [TRON]
    addr = e.addresses[0]
    assert text[addr.start : addr.end] == TRON
    assert addr.info.family is ChainFamily.TRON
    assert [t.value for t in e.tx_hashes] == [BTC_TX]
    assert e.tx_hashes[0].families == (ChainFamily.BITCOIN, ChainFamily.TRON)
    assert [(a.value, a.symbol) for a in e.amounts] == [(Decimal(100), "USDT")]
    assert e.chain_keys == ("tron",)


def test_english_evm_message_with_base() -> None:
    text = f"Hi, I sent 0.5 ETH on Base to {EVM} but it never arrived. Tx: {EVM_TX}."
    e = extract_entities(text)
    assert [t.text for t in e.tx_hashes] == [EVM_TX]
    assert e.tx_hashes[0].families == (ChainFamily.EVM,)
    assert [a.info.normalized for a in e.addresses] == [EVM]
    assert _amounts(text) == [(Decimal("0.5"), "ETH")]
    assert e.chain_keys == ("ethereum", "base")
    spans = [(m.text, m.start, m.end) for m in e.tx_hashes]
    spans += [(m.text, m.start, m.end) for m in e.addresses]
    spans += [(m.text, m.start, m.end) for m in e.amounts]
    spans += [(m.text, m.start, m.end) for m in e.chains]
    assert len(spans) == 5
    for mention_text, start, end in spans:
        assert text[start:end] == mention_text


def test_mixed_language_amount_forms() -> None:
    text = "我用BEP-20转了1,000.50 USDC，还有100u和100个USDT，另外0.1个比特币，共5k USDT或者2万U"
    assert _amounts(text) == [
        (Decimal("1000.50"), "USDC"),
        (Decimal(100), "USDT"),
        (Decimal(100), "USDT"),
        (Decimal("0.1"), "BTC"),
        (Decimal(5000), "USDT"),
        (Decimal(20000), "USDT"),
    ]
    assert "bsc" in _chains(text) and "bitcoin" in _chains(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("转账到以太坊主网", ["ethereum"]),
        ("USDT-ERC20 deposit", ["ethereum"]),
        ("用的是ERC-20还是erc20?", ["ethereum", "ethereum"]),
        ("币安链上的BNB", ["bsc"]),
        ("我选的是币安智能链", ["bsc"]),
        ("BNB Chain and BSC and BEP20", ["bsc", "bsc", "bsc"]),
        ("BNB Smart Chain", ["bsc"]),
        ("波场TRC-20", ["tron", "tron"]),
        ("TRON network", ["tron"]),
        ("比特币地址", ["bitcoin"]),
        ("withdraw BTC", ["bitcoin"]),
        ("Polygon上的USDT", ["polygon"]),
        ("马蹄链", ["polygon"]),
        ("MATIC withdrawal", ["polygon"]),
        ("via Arbitrum One", ["arbitrum"]),
        ("OP Mainnet", ["optimism"]),
        ("on Optimism", ["optimism"]),
        ("Base链", ["base"]),
        ("base network", ["base"]),
        ("bridged to Base", ["base"]),
        ("我在Base上转的", ["base"]),
        ("Ethereum, Base, Arbitrum", ["ethereum", "base", "arbitrum"]),
        ("Solana or SOL链", ["solana", "solana"]),
        ("ETH链", ["ethereum"]),
        ("0.5ETH", ["ethereum"]),
        ("幣安鏈和波場", ["bsc", "tron"]),
    ],
)
def test_chain_aliases(text: str, expected: list[str]) -> None:
    assert _chains(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The base fee was higher than I expected.",
        "Base your answer on the documentation please.",
        "I'm full of optimism about this ticket.",
        "Draw a polygon.",
        "My trx is pending for two hours",  # slang for "transaction"
        "Coinbase sent it",
        "The method is wrong",
        "以太网连接断开了",
        "我在币安买的",  # the exchange, not the chain
        "以太坊经典(ETC)",
        "比特币现金",
        "what's the OP here?",
        "BNB price",
    ],
)
def test_chain_false_positives(text: str) -> None:
    assert _chains(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "I waited 30 minutes",
        "order 12345 updated",
        "ERC20 USDT",  # the 20 belongs to ERC20
        "100 units",
        "100 USD",
        "100 ops",
        "100以太网端口",
        "1个比特币现金",
        "3个以太坊经典",
        "version 2.0 released",
    ],
)
def test_amount_false_positives(text: str) -> None:
    assert _amounts(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I deposited 500 DUSD yesterday", [(Decimal(500), "DUSD")]),
        ("充了 1,000 PEPE 没到账", [(Decimal(1000), "PEPE")]),
        ("sent 2.5 SHIB2 and 10 USDT", [(Decimal("2.5"), "SHIB2"), (Decimal(10), "USDT")]),
    ],
)
def test_unlisted_tickers_in_capitals_are_amounts(text: str, expected: list) -> None:
    assert _amounts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "enable 2FA please",
        "waited 3 HRS",
        "sent 100 USD by card",
        "10 GB of logs",
        "30 GWEI gas",
        "I bought 5 NFTS",
        "5 dusd",  # lower case: a word, not a ticker
        "meet at 10 AM UTC",
    ],
)
def test_capital_words_that_are_not_tickers(text: str) -> None:
    assert _amounts(text) == []


def test_only_valid_addresses_are_kept() -> None:
    broken_evm = EVM.replace("aA", "Aa", 1)  # checksum broken by one flipped letter
    broken_tron = TRON[:-1] + ("u" if TRON[-1] != "u" else "v")
    text = f"addresses: {broken_evm} {broken_tron} {BTC_P2PKH} {BTC_P2WPKH.upper()}"
    e = extract_entities(text)
    assert [a.text for a in e.addresses] == [BTC_P2PKH, BTC_P2WPKH.upper()]
    assert e.addresses[1].info.normalized == BTC_P2WPKH
    assert all(a.info.network is Network.MAINNET for a in e.addresses)


def test_wif_keys_and_explorer_urls() -> None:
    wif = b58check_encode(b"\x80" + bytes(range(1, 33)) + b"\x01")
    text = (
        f"my key is {wif}; see https://etherscan.io/tx/{EVM_TX} and tronscan.org/#/address/{TRON}"
    )
    e = extract_entities(text)
    assert [a.text for a in e.addresses] == [TRON]  # the WIF key is never an address
    assert [t.text for t in e.tx_hashes] == [EVM_TX]


def test_nothing_inside_hashes_or_addresses() -> None:
    # Hex that happens to contain "bc1", digits and "eth"-like letters must not leak entities.
    tx = "0x" + "00bc1e7a" * 8
    e = extract_entities(f"{tx} {EVM}")
    assert len(e.tx_hashes) == 1 and len(e.addresses) == 1
    assert e.amounts == () and e.chains == ()


def test_hash_length_boundaries() -> None:
    assert extract_entities("0x" + "a" * 63).tx_hashes == ()
    assert extract_entities("0x" + "a" * 65).tx_hashes == ()
    assert extract_entities("a" * 65).tx_hashes == ()
    assert len(extract_entities("哈希" + "a" * 64 + "谢谢").tx_hashes) == 1


def test_entities_is_frozen_and_falsy_when_empty() -> None:
    empty = extract_entities("你好，请问怎么修改密码？")
    assert empty == Entities()
    assert not empty
    assert extract_entities("100 USDT")
    with pytest.raises(AttributeError):
        empty.amounts = ()  # type: ignore[misc]


def test_every_canonical_chain_is_reachable() -> None:
    text = "以太坊 BSC 波场 比特币 Polygon Arbitrum Optimism Base链 Solana"
    assert set(extract_entities(text).chain_keys) == set(CHAIN_KEYS)
