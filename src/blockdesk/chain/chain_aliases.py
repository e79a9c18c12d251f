"""Chain / network names and aliases (English and Chinese) mapped to canonical chain keys.

Aliases that are ordinary words ("base", "optimism", "polygon") or bare tickers of a token rather
than a network ("BNB", "OP", "ARB", "TRX") only count with chain context: a suffix such as
"链", "network", "chain" or "mainnet", an English preposition ("on Base"), or a place in a list of
other chain names ("Ethereum, Base and Arbitrum").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHAIN_KEYS = (
    "ethereum",
    "bsc",
    "tron",
    "bitcoin",
    "polygon",
    "arbitrum",
    "optimism",
    "base",
    "solana",
)

# ASCII word boundaries (\b treats CJK as word characters). A digit may precede a name so that
# "0.5ETH" still mentions Ethereum.
_NB = r"(?<![A-Za-z])"
_NA = r"(?![A-Za-z0-9])"
_CJK_SUFFIX = r"(?:链|鏈|网络|網絡|主网|主網|网|網)"
_CTX_SUFFIX = rf"(?=\s*{_CJK_SUFFIX}|\s+(?i:chain|network|mainnet|L2){_NA})"
_CTX_SUFFIX_OR_ON = rf"(?=\s*(?:{_CJK_SUFFIX}|上)|\s+(?i:chain|network|mainnet|L2){_NA})"
_EN_PREP = r"(?<![A-Za-z])(?i:on|via|over|to|from|using|onto|bridged\s+to|bridge\s+to)\s+"


def _ascii(word: str, *, ci: bool = True, suffix: str = "") -> str:
    body = f"(?i:{word})" if ci else word
    return f"{_NB}(?P<name>{body}){_NA}{suffix}"


def _cjk(word: str, *, suffix: str = "") -> str:
    return f"(?P<name>{word}){suffix}"


# (pattern, chain key, strong). Weak matches need a neighbouring strong one in a list.
_ALIASES: tuple[tuple[str, str, bool], ...] = (
    # Ethereum
    (_ascii("ethereum"), "ethereum", True),
    (_ascii("eth"), "ethereum", True),
    (_ascii(r"erc[-\s]?20"), "ethereum", True),
    (_cjk("以太坊", suffix="(?!经典|經典)"), "ethereum", True),  # not Ethereum Classic
    (_cjk("以太(?:币|幣|链|鏈)"), "ethereum", True),  # bare 以太 is also "Ether-net"
    # BNB Smart Chain
    (_ascii("bsc"), "bsc", True),
    (_ascii(r"bnb\s+(?:smart\s+)?chain"), "bsc", True),
    (_ascii("bnb", suffix=_CTX_SUFFIX), "bsc", True),
    (_ascii(r"bep[-\s]?20"), "bsc", True),
    (_cjk("币安智能链|幣安智能鏈|币安链|幣安鏈"), "bsc", True),
    # TRON
    (_ascii("tron"), "tron", True),
    (_ascii(r"trc[-\s]?20"), "tron", True),
    (_ascii("trx", suffix=_CTX_SUFFIX), "tron", True),  # "trx" alone is slang for "transaction"
    (_cjk("波场|波場"), "tron", True),
    # Bitcoin
    (_ascii("bitcoin"), "bitcoin", True),
    (_ascii("btc"), "bitcoin", True),
    (_cjk("比特币|比特幣", suffix="(?!现金|現金)"), "bitcoin", True),  # not Bitcoin Cash
    # Polygon: lower-case "polygon" is geometry unless in chain context
    (_ascii("Polygon|POLYGON", ci=False), "polygon", True),
    (_ascii("polygon", suffix=_CTX_SUFFIX_OR_ON), "polygon", True),
    (_ascii("matic"), "polygon", True),
    (_ascii(r"polygon\s+pos"), "polygon", True),
    (_cjk("马蹄链|馬蹄鏈"), "polygon", True),
    # Arbitrum
    (_ascii(r"arbitrum(?:\s+one)?"), "arbitrum", True),
    (_ascii("arb", suffix=_CTX_SUFFIX), "arbitrum", True),
    # Optimism: lower-case "optimism" is an ordinary English word
    (_ascii("Optimism|OPTIMISM", ci=False), "optimism", True),
    (_ascii("optimism", suffix=_CTX_SUFFIX_OR_ON), "optimism", True),
    (_ascii(r"op\s+mainnet"), "optimism", True),
    (_ascii("op", suffix=_CTX_SUFFIX), "optimism", True),
    # Base: only with context
    (_ascii("base", suffix=_CTX_SUFFIX_OR_ON), "base", True),
    (_EN_PREP + _ascii("Base|BASE", ci=False), "base", True),
    (_ascii("Base|BASE", ci=False), "base", False),
    # Solana (optional in the product, cheap to support)
    (_ascii("solana"), "solana", True),
    (_ascii("SOL", ci=False), "solana", True),
    (_ascii("sol", suffix=_CTX_SUFFIX), "solana", True),
    (_cjk("索拉纳|索拉納"), "solana", True),
)

_COMPILED = tuple((re.compile(p), chain, strong) for p, chain, strong in _ALIASES)
_LIST_GLUE = re.compile(r"\s*(?:[,，、/|]|\s(?i:and|or)\s|和|或|与|與|及)\s*")


@dataclass(frozen=True, slots=True)
class AliasMatch:
    start: int
    end: int
    chain: str
    text: str


def find_chain_aliases(text: str) -> list[AliasMatch]:
    """All non-overlapping chain mentions, left to right; longest match wins on overlap."""
    candidates: list[tuple[int, int, str, bool]] = []
    for pattern, chain, strong in _COMPILED:
        for match in pattern.finditer(text):
            start, end = match.span("name")
            candidates.append((start, end, chain, strong))
    # Strong first at equal spans, so a weak "Base" never shadows a context-confirmed one.
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0]), not c[3]))
    chosen: list[tuple[int, int, str, bool]] = []
    for cand in candidates:
        if chosen and cand[0] < chosen[-1][1]:
            continue
        chosen.append(cand)
    return [
        AliasMatch(start, end, chain, text[start:end])
        for i, (start, end, chain, strong) in enumerate(chosen)
        if strong or _listed_with_strong(text, chosen, i)
    ]


def _listed_with_strong(text: str, chosen: list[tuple[int, int, str, bool]], i: int) -> bool:
    """A weak mention counts when it sits in a list next to a confirmed chain name."""
    start, end = chosen[i][0], chosen[i][1]
    if i > 0 and chosen[i - 1][3] and _LIST_GLUE.fullmatch(text[chosen[i - 1][1] : start]):
        return True
    return (
        i + 1 < len(chosen)
        and chosen[i + 1][3]
        and bool(_LIST_GLUE.fullmatch(text[end : chosen[i + 1][0]]))
    )
