"""Cues in a customer's message that decide a handoff before (or despite) any answer:
a request for a person, a sensitive case, the customer's mood, and a yes/no to
"did this solve it?". Small lexicons in English and Chinese plus punctuation and
capitals heuristics; they err towards a person, which is the safe side."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from blockdesk.assistant.nlu.language import has_cjk

# Intents (article keys) that always go to a person, whatever the confidence.
SENSITIVE_INTENTS = frozenset({"seed-phrase-exposed", "account-frozen"})
# Intents that are themselves a request for a person.
HUMAN_INTENTS = frozenset({"contact-support"})


def _en(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)


def _zh(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(words))


# Each entry: (reason, English pattern, Chinese pattern).
_SENSITIVE: list[tuple[str, re.Pattern[str], re.Pattern[str]]] = [
    (
        "account_compromised",
        _en(
            [
                r"hack(?:ed|er|ers)?",
                r"compromised",
                r"unauthori[sz]ed (?:login|access|withdrawal|transaction|transfer)s?",
                r"someone (?:logged|got) in(?:to)?",
                r"took over my account",
            ]
        ),
        _zh(["被盗", "盗号", "被黑", "黑客", "被入侵", "异地登录", "不是我操作", "别人登录"]),
    ),
    (
        "funds_stolen_or_missing",
        _en(
            [
                r"stol(?:e|en)",
                r"theft",
                r"drained",
                r"scammed",
                r"(?:funds|money|balance|assets|coins|savings|usdt|btc|eth)\b[^.?!]{0,30}\b"
                r"(?:gone|missing|disappeared|vanished|empty)",
                r"(?:gone|missing|disappeared|vanished) from my (?:account|wallet|balance)",
            ]
        ),
        _zh(
            [
                "被偷",
                "被骗",
                "诈骗",
                "被转走",
                "转走了",
                "(?:资金|钱|余额|资产|币)[^。？！]{0,6}(?:不见|没了|消失|被清空|少了)",
            ]
        ),
    ),
    (
        "legal_threat",
        _en(
            [
                r"lawyers?",
                r"attorneys?",
                r"sue",
                r"suing",
                r"lawsuit",
                r"legal action",
                r"police",
                r"court",
                r"regulators?",
                r"report you",
            ]
        ),
        _zh(["律师", "起诉", "报警", "警察", "法院", "监管", "投诉到", "立案", "法律"]),
    ),
    (
        # Someone posing as us reached the customer: a person, with the verify page. Questions
        # about phishing in general ("is this site yours?") are answered from the articles.
        "impersonation",
        _en(
            [
                r"fake (?:support|admin|agent|staff|website|site|app|account|email)s?",
                r"impersonat\w*",
                r"(?:claim(?:s|ed|ing)?|pretend(?:s|ed|ing)?) to be",
                r"asked (?:me )?(?:for|to (?:send|share|give|enter|type)) (?:him |her |them )?"
                r"(?:my |the )?(?:seed|recovery phrase|secret phrase|mnemonic|private key|"
                r"password|2fa|otp|verification code)",
                r"(?:claim(?:s|ed|ing)?|pretend(?:s|ed|ing)?|said|says) (?:to be|he was|she was|"
                r"they were|(?:he|she|they) (?:is|are)) (?:from )?(?:your |the )?"
                r"(?:support|admin|agent|staff|team|official)",
            ]
        ),
        _zh(
            [
                "冒充",
                "假冒",
                "假客服",
                "假的客服",
                "(?:让我|要我|叫我|要求我)(?:提供|发|给|输入|告诉)[^。？！]{0,4}"
                "(?:助记词|私钥|密码|验证码)",
                "自称(?:是)?(?:你们的|官方)?(?:客服|工作人员|管理员|官方)",
            ]
        ),
    ),
    (
        "lost_access",
        _en(
            [
                r"lost access",
                r"locked out",
                r"can(?:'|’)?t (?:log ?in|sign ?in|access my account)",
                r"cannot (?:log ?in|sign ?in|access my account)",
                r"unable to (?:log ?in|sign ?in|access my account)",
            ]
        ),
        _zh(["无法登录", "登不上", "登录不了", "进不去", "登陆不了", "无法访问账户", "账号找不回"]),
    ),
]

_ANGRY_EN = _en(
    [
        r"angry",
        r"furious",
        r"ridiculous",
        r"useless",
        r"terrible",
        r"worst",
        r"unacceptable",
        r"pathetic",
        r"wtf",
        r"fu+ck\w*",
        r"shit\w*",
        r"damn",
        r"joke",
        r"incompetent",
    ]
)
_ANGRY_ZH = _zh(
    [
        "垃圾",
        "骗子",
        "气死",
        "愤怒",
        "太差",
        "什么破",
        "坑人",
        "坑爹",
        "他妈",
        "妈的",
        "操",
        "废物",
        "黑平台",
        "滚",
    ]
)
_DISTRESS_EN = _en(
    [
        r"desperate",
        r"panic\w*",
        r"scared",
        r"terrified",
        r"life savings",
        r"all my money",
        r"please+ help",
        r"i(?:'|’)?m begging",
        r"urgent(?:ly)?",
        r"emergency",
    ]
)
_DISTRESS_ZH = _zh(
    ["急死", "崩溃", "绝望", "救命", "求求", "全部积蓄", "血汗钱", "很着急", "十万火急", "紧急"]
)

_YES_EN = _en(
    [
        r"yes",
        r"yep",
        r"yeah",
        r"solved",
        r"it worked",
        r"that worked",
        r"works now",
        r"thanks?",
        r"thank you",
        r"perfect",
        r"great",
        r"got it",
        r"ok(?:ay)?",
    ]
)
_NO_EN = _en(
    [
        r"no",
        r"nope",
        r"not really",
        r"didn(?:'|’)?t (?:help|work)",
        r"doesn(?:'|’)?t (?:help|work)",
        r"not helpful",
        r"still",
        r"not solved",
    ]
)
_YES_ZH = _zh(
    ["解决了", "好的", "可以了", "谢谢", "明白了", "知道了", "行了", "好了", "是的", "有用"]
)
_NO_ZH = _zh(["没有", "没用", "不行", "还是", "没解决", "不是", "不对", "没帮助"])


@dataclass(frozen=True)
class Mood:
    label: str  # "calm" | "angry" | "distressed"
    reasons: tuple[str, ...] = ()

    @property
    def needs_person(self) -> bool:
        return self.label != "calm"


def sensitive_reason(text: str) -> str | None:
    """Why ``text`` is a case for a person only (hacked, stolen, legal, someone posing as us,
    lost access)."""
    for reason, en, zh in _SENSITIVE:
        if en.search(text) or zh.search(text):
            return reason
    return None


def _keyword_hit(text: str, words: Iterable[str]) -> str | None:
    lowered = text.casefold()
    for word in words:
        w = word.strip().casefold()
        if not w:
            continue
        if has_cjk(w):
            if w in lowered:
                return word
        elif re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", lowered):
            return word
    return None


def asks_for_person(text: str, keywords: Mapping[str, Iterable[str]]) -> str | None:
    """The keyword (of any configured language) by which the customer asks for a person.
    Every language's list applies: customers mix languages ("转人工 please")."""
    for words in keywords.values():
        hit = _keyword_hit(text, words)
        if hit:
            return hit
    return None


def mood(text: str) -> Mood:
    reasons: list[str] = []
    if _ANGRY_EN.search(text) or _ANGRY_ZH.search(text):
        reasons.append("angry_words")
    bangs = len(re.findall(r"[!！]", text))
    interrobangs = len(re.findall(r"[?？][!！]|[!！][?？]", text))
    if bangs >= 3 or interrobangs >= 2:
        reasons.append("shouting_punctuation")
    elif interrobangs:
        reasons.append("punctuation")
    letters = [c for c in text if c.isalpha() and c.isascii()]
    words = re.findall(r"[A-Za-z]{2,}", text)
    if len(letters) >= 12 and len(words) >= 3:
        upper = sum(1 for c in letters if c.isupper())
        if upper / len(letters) > 0.6:
            reasons.append("capitals")
    strong = {"angry_words", "capitals", "shouting_punctuation"}
    angry = bool(strong.intersection(reasons)) or len(reasons) >= 2
    if _DISTRESS_EN.search(text) or _DISTRESS_ZH.search(text):
        return Mood("distressed", (*reasons, "distress_words"))
    if angry:
        return Mood("angry", tuple(reasons))
    return Mood("calm", tuple(reasons))


def confirmation(text: str) -> bool | None:
    """A short yes/no answer to "did this solve it?" (None: neither, or a new question)."""
    t = text.strip()
    if not t or len(t) > 60:
        return None
    no = bool(_NO_EN.search(t) or _NO_ZH.search(t))
    yes = bool(_YES_EN.search(t) or _YES_ZH.search(t))
    if no:  # "no thanks, still stuck" is a no
        return False
    if yes:
        return True
    return None


# Direction words: which way the money moves. "提"/"充" alone are parts of other words
# (提供, 提示, 冒充, 补充), so they count only before a coin word, an amount or a "wrong".
_OUT_WORDS = re.compile(
    r"\bwithdr[ae]w\w*|\bcash(?:ed|ing)?[ -]?out\b|\bpay[ -]?out\b|"
    r"提(?:币|现|款|U|u|Ｕ|错|了?\s*\d|\s*(?:usdt|usdc|btc|eth|trx|bnb|sol)\b)|转出|出金",
    re.IGNORECASE,
)
_IN_WORDS = re.compile(
    r"\bdeposit\w*|\btop(?:ped|ping)?[ -]?up\b|"
    r"充(?:值|币|U|u|Ｕ|错|到|进|了?\s*\d|\s*(?:usdt|usdc|btc|eth|trx|bnb|sol)\b)|转入|入金|存入",
    re.IGNORECASE,
)
# Withdrawing *elsewhere* to send here is a deposit here: "I withdrew from my other
# exchange", "从别的平台提了 1000U 过来".
_ELSEWHERE = re.compile(
    r"\bfrom (?:my |an?|the )?(?:other |another )?(?:exchange|wallet|platform|binance|okx|"
    r"coinbase|kraken|bybit|huobi|htx|kucoin|gate)\b|"
    r"从[^，。,.!?！？]{0,12}(?:提|转)[^，。,.!?！？]{0,12}(?:过来|到(?:你们|这|贵)|进来)|提过来|转过来",
    re.IGNORECASE,
)


def direction(text: str) -> str | None:
    """ "out" (a withdrawal), "in" (a deposit) or None: unambiguous direction words only;
    a message with both (or a withdrawal from elsewhere to here) counts as in, or none."""
    if _ELSEWHERE.search(text):
        return "in"
    out, into = bool(_OUT_WORDS.search(text)), bool(_IN_WORDS.search(text))
    if out == into:
        return None
    return "out" if out else "in"
