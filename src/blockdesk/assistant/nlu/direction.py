"""Features that see which way money or state moves: into or out of the platform,
stake or unstake, still pending or already failed, under review or rejected.

Why hand-written cues next to n-grams and embeddings: the sentence encoders put
"提币没到" and "充币没到" almost on top of each other (same shape, one character
apart), and n-gram weights learnt from ~15 examples per intent do not pool the many
spellings of one direction (提币 / 提u / 提现 / 出金 / 转出 / withdraw / cash out).
Each cue family below becomes one dimension the classifier can weigh, and the
patterns handle the case words alone get backwards: "从币安提到你们这" is a
withdrawal elsewhere, i.e. a deposit here. Measured on the crypto dev set in
docs/benchmarks/assistant.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
from scipy import sparse

__all__ = ["CUES", "direction_matrix", "direction_names"]

# A place that is not the platform: another exchange, a wallet, a bank.
_ELSEWHERE = (
    r"(?:币安|binance|okx|欧易|火币|htx|huobi|coinbase|kraken|bybit|kucoin|gate|bitget|"
    r"别的(?:交易所|平台|钱包)|其他(?:交易所|平台)|外面|对面|钱包|metamask|小狐狸|"
    r"ledger|trust ?wallet|tp钱包|imtoken|phantom|冷钱包|another exchange|other exchange|"
    r"my wallet|(?:my )?(?:ledger|metamask|phantom)|exchange)"
)
_HERE = (
    r"(?:你们|贵平台|平台|这里|这边|这儿|这|here|"
    r"this (?:exchange|platform|site|account)|my account)"
)

CUES: dict[str, re.Pattern[str]] = {
    # -- into the platform ---------------------------------------------------
    "in_word": re.compile(
        r"充|入金|入账|转入|转进|存入|存进|到账户|deposit|depo\b|top(?:ped)? ?up|incoming|"
        r"sent in|send in|\binto (?:my|this|the)"
    ),
    "in_phrase": re.compile(
        rf"从.{{0,12}}{_ELSEWHERE}.{{0,6}}(?:提|转|发).{{0,6}}(?:过来|到{_HERE}|进来)|"
        rf"(?:提|转|打)(?:币|u|b|现)?(?:过来|进来|到{_HERE})|"
        rf"(?:from|out of) (?:my )?{_ELSEWHERE}.{{0,20}}"
        r"(?:to|into) (?:here|this|my (?:account|deposit))|"
        r"to (?:my )?deposit addr|to (?:this|your) (?:exchange|platform)|"
        r"withdr[a-z]* from (?!here|this|your)"
    ),
    # -- out of the platform -------------------------------------------------
    "out_word": re.compile(
        r"提币|提现|提款|提u|提b|出金|转出|提了|提的|提到|withdr|cash ?out|"
        r"\bout of (?:my|this|the|your)|get my (?:money|funds|coins) out|"
        r"pull(?:ed)? (?:my )?\w+ out"
    ),
    "out_phrase": re.compile(
        rf"从(?:你们|贵平台|平台|这里|这边|这)|(?:from|out of) (?:here|this|your)|"
        rf"(?:提|转)(?:币|u|b|现|出)?(?:到|去|给)(?!{_HERE}|过来){_ELSEWHERE}|"
        rf"(?:withdr[a-z]*|sent|send|moved?|transferr?ed) .{{0,25}}to (?:my )?{_ELSEWHERE}"
    ),
    # -- staking: in or out --------------------------------------------------
    "unstake": re.compile(
        r"解除质押|取消质押|解押|解绑|赎回|退出质押|质押.{0,6}(?:取|拿)(?:出|回)|"
        r"unstak|un-stak|unbond|redeem|redemption|out of staking|stop staking"
    ),
    # -- state: still waiting or already failed ------------------------------
    "pending": re.compile(
        r"pending|处理中|审核中|待审核|等待|卡住|卡着|卡在|排队|未确认|不确认|还没|没到|"
        r"stuck|processing|under review|in review|waiting|not (?:yet )?(?:confirmed|arrived)|"
        r"still|hasn'?t|havent|haven't"
    ),
    "failed": re.compile(
        r"失败|fail|revert|回滚|回退|被拒|拒绝|驳回|不通过|没通过|没过|reject|declin|denied|refused|"
        r"not (?:approved|pass)"
    ),
    # -- who moved it: the customer by mistake -------------------------------
    "mistake": re.compile(r"错|mistake|wrong|typo|by accident|不小心|搞混"),
}


def direction_names() -> list[str]:
    return list(CUES)


def direction_matrix(texts: Sequence[str]) -> sparse.csr_matrix:
    """One 0/1 column per cue family (``CUES`` order), one row per text."""
    rows = np.zeros((len(texts), len(CUES)), dtype=np.float32)
    for i, text in enumerate(texts):
        # The same folding as the n-gram features (full-width Latin, case).
        norm = unicodedata.normalize("NFKC", text).lower()
        for j, pattern in enumerate(CUES.values()):
            if pattern.search(norm):
                rows[i, j] = 1.0
    return sparse.csr_matrix(rows)
