"""Outbound guard: block an agent or assistant message that asks the customer for a
recovery phrase, private key, password or 2FA/one-time code.

A message is cut into clauses (sentence ends, commas, "but"/"但是"...). A clause
blocks the message when a request pattern matches in it and no warning cue ("never",
"don't", "anyone", "scam", "切勿", "绝不", "任何人"...) comes before the end of the
match. So "never share your seed phrase with anyone" and "我们绝不会索要您的助记词" pass,
while "don't worry, just send me your seed phrase" is blocked. A clause made only of
cue and filler words ("Never, ever, share ...") passes its cue on to the next one.

Patterns are kept per language (`DEFAULT_PATTERNS`) and all languages are checked
whatever the reply language, since agents mix them; `language` only chooses the
language of the explanation. Extra patterns can be passed per call or to
`OutboundGuard`.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from blockdesk.safety import messages


class RequestKind(StrEnum):
    SEED_PHRASE = "seed_phrase"
    PRIVATE_KEY = "private_key"
    PASSWORD = "password"  # noqa: S105 - a category name, not a credential
    OTP = "otp"
    CUSTOM = "custom"


_WHAT: dict[RequestKind, str] = {
    RequestKind.SEED_PHRASE: messages.WHAT_SEED_PHRASE,
    RequestKind.PRIVATE_KEY: messages.WHAT_PRIVATE_KEY,
    RequestKind.PASSWORD: messages.WHAT_PASSWORD,
    RequestKind.OTP: messages.WHAT_OTP,
    RequestKind.CUSTOM: messages.WHAT_CUSTOM,
}

# Typed into login pages legitimately, so "enter ... on the page" is no request.
_TYPED_AT_LOGIN = frozenset({RequestKind.PASSWORD, RequestKind.OTP})

# ---- English -------------------------------------------------------------------------

_EN_OBJECTS: dict[RequestKind, str] = {
    RequestKind.SEED_PHRASE: (
        r"(?:seed|recovery|backup|secret|mnemonic|wallet)[\s-]*(?:phrase|words?|sentence)s?"
        r"|mnemonic(?:s)?|seed(?:s)?\b"
        r"|(?:12|24|18|twelve|twenty[\s-]*four)[\s-]*words?"
    ),
    RequestKind.PRIVATE_KEY: (
        r"priv(?:ate)?[\s_-]*keys?|privkey|secret[\s-]*keys?|\bpk\b|keystore(?:\s*file)?"
        r"|xprv|wallet[\s-]*(?:file|backup|\.dat)"
    ),
    RequestKind.PASSWORD: (
        r"pass(?:word|code|phrase)s?|\bpin(?:\s*(?:code|number))?\b|login\s*(?:details|credentials)"
        r"|credentials"
    ),
    RequestKind.OTP: (
        r"2fa(?:\s*code)?|two[\s-]*factor(?:\s*(?:authentication|auth))?\s*codes?|\botp\b"
        r"|one[\s-]*time\s*(?:pass(?:word|code)|codes?|pins?)|verification\s*codes?"
        r"|authenticat(?:or|ion)(?:\s*app)?\s*codes?|security\s*codes?|sms\s*codes?"
        r"|\d[\s-]*digit\s*codes?|google\s*auth(?:enticator)?(?:\s*codes?)?|confirmation\s*codes?"
        r"|codes?\s+(?:from|in|on)\s+(?:your\s+)?(?:authenticator|google|sms|text|phone|email)"
    ),
}

# Verbs that hand the thing over: a request for any object. Bare "need", "show",
# "read" are left out: "you'll need your recovery phrase to restore the wallet" and
# "read your seed phrase carefully" are advice, not requests.
_EN_GIVE = (
    r"send|share|provide|give|tell|dm|pm|message|text|e-?mail|paste|post|submit|forward"
    r"|reply\s+with|read\s+(?:me|us|out)|show\s+(?:me|us)|disclose|upload|drop"
    r"|ask(?:ing)?\s+(?:you\s+)?for|let\s+(?:me|us)\s+(?:know|have|see)"
    r"|(?:may|can|could)\s+(?:i|we)\s+(?:have|get|see|know)"
    r"|(?:i|we)(?:'ll|'d|\s+will|\s+would|\s+still|\s+also|\s+just)?\s+(?:need|require|want)"
)
# Typing something in is a request only with a destination. A seed or key belongs in
# no form, page or link at all; a password or code does (the login page), so for
# those only this chat counts.
_EN_ENTER = r"enter|type|input|fill\s+in|write|import|verify|validate|confirm|sync|connect"
_EN_DESTINATION = (
    r"\b(?:here|below|to\s+(?:me|us)|with\s+(?:me|us)|in\s+(?:this|the|our)\s+(?:chat|"
    r"conversation|reply|form|box|message|link|site|website|page|portal)|on\s+(?:this|the|our)\s+"
    r"(?:site|website|page|form|portal|link))\b"
)
_EN_CHAT = (
    r"\b(?:here|to\s+(?:me|us)|in\s+(?:this|the|your)\s+(?:chat|conversation|reply|message))\b"
)
# Between a verb and its object, these words mean the object is a topic, not the thing
# asked for ("send you a link to reset your password").
_EN_NOT_THE_THING = re.compile(
    r"\b(?:link|reset|chang\w*|how|guide|instructions?|article|about|regarding|tips?|"
    r"steps?|recover\w*|restor\w*|forgot\w*|new|safe\w*|secur\w*|protect\w*)\b",
    re.IGNORECASE,
)

_EN_STOP = r"[^.?!;\n]"


def _en_patterns() -> tuple[tuple[RequestKind, str], ...]:
    patterns: list[tuple[RequestKind, str]] = []
    for kind, obj in _EN_OBJECTS.items():
        patterns.append((kind, rf"\b(?:{_EN_GIVE})\b(?P<between>{_EN_STOP}{{0,40}}?)(?:{obj})"))
        patterns.append(
            (
                kind,
                rf"\bwhat(?:'s|s|\s+is|\s+are|\s+was)\s+(?:your|ur|the)\s+"
                rf"(?:\w+[\s-]+){{0,2}}?(?:{obj})",
            )
        )
        patterns.append((kind, rf"\byour\s+(?:{obj})\s*,?\s*(?:please|pls|plz)\b"))
        destination = _EN_CHAT if kind in _TYPED_AT_LOGIN else _EN_DESTINATION
        patterns.append(
            (
                kind,
                rf"\b(?:{_EN_ENTER})\b(?P<between>{_EN_STOP}{{0,40}}?)(?:{obj})"
                rf"{_EN_STOP}{{0,40}}?{destination}",
            )
        )
    return tuple(patterns)


# ---- Chinese -------------------------------------------------------------------------

_ZH_OBJECTS: dict[RequestKind, str] = {
    RequestKind.SEED_PHRASE: (
        r"助记词|助記詞|记忆词|种子词|種子詞|种子短语|種子短語|恢复短语|恢復短語|备份短语|助记短语"
        r"|(?:12|24|十二|二十四)个?(?:单词|英文单词|词)"
    ),
    RequestKind.PRIVATE_KEY: r"私钥|私鑰|密钥|密鑰|秘钥|keystore|钱包文件",
    RequestKind.PASSWORD: r"密码|密碼|口令|PIN码?",
    RequestKind.OTP: (
        r"验证码|驗證碼|动态码|動態碼|谷歌验证|谷歌驗證|双重验证|雙重驗證|二次验证|2FA|OTP"
        r"|短信码|校验码|安全码"
    ),
}
_ZH_GIVE = (
    r"提供|发给|发送|发一下|发过来|发我|传给|给我|告诉|告知|报一下|报给|说出|说一下|分享|贴出|贴一下"
    r"|上传|透露|出示|私信|回复|索要|提交|發給|發送|提供給"
    r"|(?:我|我们|我們)(?:还|也|现在|這邊|这边)?(?:需要|要|得)"  # "我们需要您的私钥"
)
# Typing something in is only a request with a destination: "在钱包App中输入助记词即可恢复"
# is advice, "请在下方输入您的助记词" is not.
_ZH_ENTER = r"输入|輸入|填写|填寫|填入|粘贴|核对|确认|確認"
_ZH_DESTINATION = r"这里|這裡|此处|下方|下面|聊天|对话框|表单|链接|网页|网站|页面|本页|给我|给我们"
_ZH_CHAT = r"这里|這裡|此处|聊天|对话框|回复|给我|给我们"
_ZH_STOP = r"[^。！？!?；;\n]"
# After the object: "密码是多少", "验证码发给我".
_ZH_ASKED = r"是多少|是什么|是啥|多少|发给我|发我|给我|告诉我|发一下|报一下"
_ZH_NOT_THE_THING = re.compile(r"链接|鏈接|重置|修改|更改|找回|教程|怎么|如何|方法|安全|保管|备份")


def _zh_patterns() -> tuple[tuple[RequestKind, str], ...]:
    patterns: list[tuple[RequestKind, str]] = []
    for kind, obj in _ZH_OBJECTS.items():
        patterns.append((kind, rf"(?:{_ZH_GIVE})(?P<between>{_ZH_STOP}{{0,12}}?)(?:{obj})"))
        patterns.append(
            (
                kind,
                rf"(?:把|将|將)(?P<between>{_ZH_STOP}{{0,10}}?)(?:{obj}){_ZH_STOP}{{0,8}}?"
                rf"(?:{_ZH_GIVE}|发|給|给)",
            )
        )
        patterns.append((kind, rf"(?:{obj}){_ZH_STOP}{{0,4}}?(?:{_ZH_ASKED})"))
        destination = _ZH_CHAT if kind in _TYPED_AT_LOGIN else _ZH_DESTINATION
        patterns.append(
            (
                kind,
                rf"(?:{destination}){_ZH_STOP}{{0,8}}?(?:{_ZH_ENTER})"
                rf"(?P<between>{_ZH_STOP}{{0,8}}?)(?:{obj})",
            )
        )
    return tuple(patterns)


DEFAULT_PATTERNS: Mapping[str, tuple[tuple[RequestKind, str], ...]] = {
    "en": _en_patterns(),
    "zh": _zh_patterns(),
}

# ---- warning cues and clauses ----------------------------------------------------------

_CUE = re.compile(
    r"\b(?:never|not|no|don'?t|doesn'?t|won'?t|wouldn'?t|shouldn'?t|can'?t|cannot|mustn'?t"
    r"|nobody|anyone|anybody|scam\w*|phish\w*|fraud\w*|beware|avoid|refuse|without|nor"
    r"|if\s+(?:someone|somebody|anyone|they|a\s+person)|impersonat\w*)\b"
    r"|不要|不会|不能|不可|不应|不得|不需要|请勿|切勿|勿|绝不|決不|决不|绝对不|永远不|从不|从来不"
    r"|千万|别(?!人)|禁止|谨防|小心|防范|诈骗|骗子|骗局|任何人|任何|没有人|無論|无论",
    re.IGNORECASE,
)
# Persuasion that contains a negation word but is still a request.
_NOT_A_CUE = re.compile(
    r"\bwhy\s+(?:don'?t|not|won'?t)\b|\b(?:can'?t|won'?t|wouldn'?t|couldn'?t)\s+you\b"
    r"|\bno\s+(?:worries|problem|rush)\b|\bdon'?t\s+worry\b|不用担心|别担心|不要担心",
    re.IGNORECASE,
)
# After the object: "share your seed phrase with no one", "give it to nobody".
_RECIPIENT_CUE = re.compile(
    r"\s*(?:with|to)\s+(?:no[\s-]?one|nobody|anyone|anybody|others?\b|third[\s-]part)",
    re.IGNORECASE,
)
_FILLER = re.compile(
    r"\b(?:please|ever|again|really|just|at|all|under|any|circumstances|remember|reminder"
    r"|important|note|and|or|to|so|never|not|no|don'?t|do|we|will|you|should)\b"
    r"|请|注意|提醒|切记|记住|永远|绝对|在任何情况下|任何情况下|[\s,，、:：\-—!！]",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(
    r"[.!?;。！？；\n]+|[,，]|\bbut\b|\bhowever\b|但是|不过|然而", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class OutboundResult:
    blocked: bool
    kinds: tuple[RequestKind, ...] = ()  # what is asked for, in order of appearance
    spans: tuple[tuple[int, int], ...] = ()  # the requesting phrases
    explanation: str = ""  # for the agent; empty when not blocked


@dataclass(frozen=True, slots=True)
class _Compiled:
    kind: RequestKind
    pattern: re.Pattern[str]
    not_the_thing: re.Pattern[str] | None


def _clauses(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    position = 0
    for match in _CLAUSE_END.finditer(text):
        spans.append((position, match.start()))
        position = match.end()
    spans.append((position, len(text)))
    return [s for s in spans if s[1] > s[0]]


def _has_cue(prefix: str) -> bool:
    return _CUE.search(_NOT_A_CUE.sub(" ", prefix)) is not None


def _only_warns(clause: str) -> bool:
    """Nothing but cue and filler words, such as "Never" or "under any circumstances"."""
    return not _FILLER.sub("", _CUE.sub("", clause)).strip()


class OutboundGuard:
    """Request patterns compiled once. `patterns` replaces the defaults (language ->
    (kind, regex) pairs); `extra_patterns` adds regexes that block as CUSTOM."""

    def __init__(
        self,
        patterns: Mapping[str, Sequence[tuple[RequestKind, str]]] | None = None,
        extra_patterns: Iterable[str | re.Pattern[str]] = (),
    ) -> None:
        source = DEFAULT_PATTERNS if patterns is None else patterns
        compiled: list[_Compiled] = []
        for language, pairs in source.items():
            guard = _ZH_NOT_THE_THING if language.startswith("zh") else _EN_NOT_THE_THING
            for kind, regex in pairs:
                compiled.append(_Compiled(kind, re.compile(regex, re.IGNORECASE), guard))
        for extra in extra_patterns:
            pattern = extra if isinstance(extra, re.Pattern) else re.compile(extra, re.IGNORECASE)
            compiled.append(_Compiled(RequestKind.CUSTOM, pattern, None))
        self._compiled = tuple(compiled)

    def scan(self, text: str, language: str | None = None) -> OutboundResult:
        normalized = text.replace("\u2019", "'").replace("\u2018", "'")
        hits: list[tuple[int, int, RequestKind]] = []
        carried_cue = False
        for start, end in _clauses(normalized):
            clause = normalized[start:end]
            for compiled in self._compiled:
                for match in compiled.pattern.finditer(clause):
                    if (
                        carried_cue
                        or _has_cue(clause[: match.end()])
                        or _RECIPIENT_CUE.match(clause, match.end())
                    ):
                        continue
                    between = match.groupdict().get("between")
                    if (
                        between
                        and compiled.not_the_thing is not None
                        and compiled.not_the_thing.search(between)
                    ):
                        continue
                    hits.append((start + match.start(), start + match.end(), compiled.kind))
            carried_cue = (carried_cue or _has_cue(clause)) and _only_warns(clause)
        if not hits:
            return OutboundResult(blocked=False)
        hits.sort()
        kinds = tuple(dict.fromkeys(kind for _, _, kind in hits))
        return OutboundResult(
            blocked=True,
            kinds=kinds,
            spans=tuple((s, e) for s, e, _ in hits),
            explanation=explanation(kinds[0], language),
        )


def explanation(kind: RequestKind, language: str | None = None) -> str:
    """Why the message was blocked, for the agent. Needs configured Django settings."""
    what = messages.translate(_WHAT[kind], language)
    return messages.translate(messages.OUTBOUND_EXPLANATION, language) % {"what": what}


@functools.lru_cache(maxsize=32)
def _guard(extra: tuple[str | re.Pattern[str], ...]) -> OutboundGuard:
    return OutboundGuard(extra_patterns=extra)


def scan_outbound(
    text: str,
    language: str | None = None,
    *,
    extra_patterns: Iterable[str | re.Pattern[str]] = (),
) -> OutboundResult:
    """Check an agent/assistant message before it is sent. `language` is the language of
    the explanation (default: the active one); patterns of every language apply."""
    extra = tuple(extra_patterns)
    if _passed(hashlib.blake2b(text.encode(), digest_size=16).digest(), text, extra):
        return _PASSED
    return _guard(extra).scan(text, language)


_PASSED = OutboundResult(blocked=False)


def _passed(digest: bytes, text: str, extra: tuple[str | re.Pattern[str], ...]) -> bool:
    """Whether `text` passes, remembered by its digest: the assistant's answers are quotes
    of the same articles, each scanned when it is chosen and again when it is sent, and a
    flood asks the same few questions (issue 17: the scan was a tenth of an answer's CPU).
    A text that fails is scanned again by the caller for its explanation."""
    key = (digest, extra)
    found = _remembered.get(key)
    if found is None:
        found = not _guard(extra).scan(text).blocked
        with _remembered_lock:
            _remembered[key] = found
            if len(_remembered) > _REMEMBERED:
                _remembered.popitem(last=False)
    return found


# The verdicts on the last texts seen, by digest (16 bytes each, never the texts): a few
# hundred kilobytes at most. First in, first out.
_REMEMBERED = 4096
_remembered: OrderedDict[tuple[bytes, tuple[str | re.Pattern[str], ...]], bool] = OrderedDict()
_remembered_lock = threading.Lock()
