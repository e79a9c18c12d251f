"""Emotion cues in English and Chinese: anger, fear (anxiety), frustration, urgency.

Rules, not a model: no public data set labels these four for crypto support, and the cues
a support lead cares about are phrases ("where is my money", "还没到账", "骗子") that a
word list catches as well as a model would, and explains itself. Each hit adds its weight;
an emotion's strength is 1 - e^(-sum), so one strong cue reads ~0.5 and three read ~0.9.
"""

from __future__ import annotations

import math
import re
from typing import Final

EMOTIONS: Final = ("anger", "fear", "frustration", "urgency")

# (pattern, weight). English patterns are matched on lower-cased text at word edges.
_EN: Final[dict[str, list[tuple[str, float]]]] = {
    "anger": [
        (r"scam(?:s|mers?|med)?", 0.9),
        (r"fraud(?:ulent|sters?)?", 0.9),
        (r"thie(?:f|ves)|steal(?:ing)?|stole|stolen", 0.7),
        (r"cheat(?:ed|ing|ers?)?|liars?|lying|rip(?:ped)? ?off", 0.8),
        (r"unacceptable|ridiculous|outrageous|disgrace(?:ful)?|pathetic", 0.8),
        (r"angry|furious|pissed|livid|mad at", 0.9),
        (r"wtf|fuck\w*|shit\w*|damn|bullshit|crap", 0.8),
        (r"worst|useless|incompetent|garbage|trash|joke of a", 0.6),
        (r"hate|sick of|fed up", 0.6),
        (r"sue|lawyers?|lawsuit|police|regulators?|report you", 0.6),
    ],
    "fear": [
        (r"worr(?:y|ied|ying)|scared|afraid|nervous|panic\w*|anxious|terrified", 0.8),
        (r"hack(?:ed|er|ers)?|compromised|drained|phish\w*|stolen", 0.8),
        (
            r"where (?:is|are) my (?:money|funds|coins?|tokens?|deposit|withdrawal|usdt|btc|eth)",
            0.9,
        ),
        (
            r"lost (?:my|all|everything)"
            r"|(?:money|funds|coins?|balance) (?:is |are )?(?:gone|missing)",
            0.9,
        ),
        (
            r"(?:not|never|haven'?t|didn'?t|hasn'?t) (?:been )?"
            r"(?:received|arrived|credited|shown up)",
            0.6,
        ),
        (r"missing|disappeared|vanished|frozen|locked out|stuck", 0.5),
        (r"is (?:it|this|my \w+) safe|am i (?:going to|gonna) lose", 0.7),
    ],
    "frustration": [
        (r"still (?:not|no|nothing|waiting|haven'?t|hasn'?t|didn'?t|doesn'?t|can'?t|stuck)", 0.8),
        (r"how many times|over and over|every time|again and again|yet again", 0.8),
        (
            r"no ?(?:one|body) (?:answers|replies|responds|helps?|cares)"
            r"|no (?:response|reply)",
            0.7,
        ),
        (
            r"(?:for|waiting|waited) (?:\d+|two|three|four|five|several|many) (?:hours|days|weeks)",
            0.7,
        ),
        (r"frustrat\w*|annoy\w*|tired of|exhausting|fed up|give up|waste of time", 0.8),
        (r"(?:doesn'?t|does not|not|isn'?t) work(?:ing)?|broken|nothing happens", 0.5),
        (r"already (?:sent|told|asked|explained|contacted)", 0.6),
    ],
    "urgency": [
        (r"urgent(?:ly)?|emergency|asap|a\.s\.a\.p|immediately|right now|right away", 0.9),
        (r"as soon as possible|hurry|quick(?:ly)?|fast|today|time.sensitive|deadline", 0.5),
        (r"please help|help me|need (?:it|this|my \w+) now", 0.5),
    ],
}

_ZH: Final[dict[str, list[tuple[str, float]]]] = {
    "anger": [
        ("骗子|诈骗|骗钱|骗局|骗人|黑平台|跑路", 0.9),
        ("垃圾|坑人|坑爹|黑心|无耻|不要脸|恶心|混蛋|王八蛋", 0.8),
        ("妈的|他妈|操|靠|什么鬼|滚", 0.8),
        ("气死|生气|愤怒|火大|太过分|过分", 0.8),
        ("投诉|报警|起诉|律师|曝光|维权", 0.6),
        ("偷|盗取|抢钱|吞了", 0.6),
    ],
    "fear": [
        ("担心|害怕|怕|焦虑|紧张|慌|不安", 0.8),
        ("被盗|被黑|盗号|被骗|钓鱼|泄露|助记词被", 0.8),
        ("我的钱|我的币|资产不见|钱不见|币不见|不见了|没了|丢了|消失", 0.7),
        ("还没到账|没到账|未到账|没有到账|没收到|未收到|没有收到", 0.8),
        ("冻结|锁定|卡住|卡在", 0.5),
        ("安全吗|会不会丢|能找回吗|找不回", 0.7),
    ],
    "frustration": [
        ("还没|还是没|还不|一直没|一直不|到底|究竟", 0.6),
        ("等了|好几天|几天了|多久|多少天|半天", 0.6),
        ("没人回|没人理|没人管|不回复|没回复|不理", 0.8),
        ("无语|烦|失望|郁闷|崩溃|受不了|服了|心累", 0.8),
        ("又|再次|多少次|说了多少遍|已经说过", 0.4),
        ("怎么回事|搞什么|为什么还", 0.6),
    ],
    "urgency": [
        ("十万火急|急急急|紧急|急用|很急|着急|急", 0.9),
        ("马上|立刻|立即|尽快|赶紧|快点|速度|在线等", 0.7),
        ("今天|现在就|等着用", 0.4),
    ],
}


def _compile(
    table: dict[str, list[tuple[str, float]]], *, words: bool
) -> list[tuple[str, re.Pattern[str], float]]:
    out = []
    for emotion, rules in table.items():
        for pattern, weight in rules:
            regex = rf"(?<![\w'])(?:{pattern})(?![\w])" if words else pattern
            out.append((emotion, re.compile(regex), weight))
    return out


_EN_RULES: Final = _compile(_EN, words=True)
_ZH_RULES: Final = _compile(_ZH, words=False)
# "not worried", "不担心", "别急": a negated cue is no cue.
_EN_NEGATED: Final = re.compile(r"(?:not|no|n't|never|don'?t|without)\s+(?:\w+\s+)?$")
_ZH_NEGATED: Final = re.compile(r"(?:不|别|没|不用|无需)$")


def detect(text: str, *, language: str) -> dict[str, float]:
    """Each emotion's strength in [0, 1] (all four keys, rounded to 3 places)."""
    sums = dict.fromkeys(EMOTIONS, 0.0)
    lowered = text.lower()
    rules, negated = (_ZH_RULES, _ZH_NEGATED) if language == "zh" else (_EN_RULES, _EN_NEGATED)
    for emotion, regex, weight in rules:
        for match in regex.finditer(lowered):
            before = lowered[max(0, match.start() - 16) : match.start()]
            if negated.search(before):
                continue
            sums[emotion] += weight
    # Shouting: !!! or ??? and words in capitals (English) raise anger and urgency a little.
    marks = len(re.findall(r"[!！]{2,}|[?？]{3,}", text))
    caps = len(re.findall(r"\b[A-Z]{4,}\b", text)) if language != "zh" else 0
    if marks or caps >= 2:
        sums["anger"] += 0.2 * min(marks + caps, 3) if sums["anger"] else 0.0
        sums["urgency"] += 0.3
    return {e: round(1.0 - math.exp(-s), 3) for e, s in sums.items()}
