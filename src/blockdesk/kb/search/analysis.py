"""Text analysis shared by indexing and querying: one function turns text into terms.

* NFKC + lower-case first, so full-width "ＵＳＤＴ" and "usdt" are the same term.
* Chinese runs are segmented with rjieba in search mode (a long word also yields its
  sub-words, so "验证器" finds "谷歌验证器"), on a private dictionary that knows the
  crypto vocabulary (the default dictionary cuts "助记词" into "助记"+"词").
* Latin runs are split on non-alphanumerics and stemmed with the Snowball English
  stemmer ("withdrawals" → "withdraw"); tokens such as "trc20", "2fa", "0x" stay whole.
* Stop-words of both languages are dropped.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "ANALYZER_VERSION",
    "analyze",
    "analyzer_signature",
    "has_cjk",
    "markdown_to_text",
    "normalise",
    "split_sentences",
]

# Bump when analysis changes in a way that makes persisted indexes incompatible.
ANALYZER_VERSION = 1

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{_CJK}]")
# A run of CJK ideographs, or a run of latin letters/digits (ASCII after NFKC).
_RUN_RE = re.compile(f"[{_CJK}]+|[a-z0-9]+")
_LATIN_RE = re.compile("[a-z0-9]+")
_CJK_ONLY_RE = re.compile(f"[{_CJK}]+")


def _words(*chunks: str) -> tuple[str, ...]:
    return tuple(w for chunk in chunks for w in chunk.split())


EN_STOP = frozenset(
    _words(
        "a about above after again all am an and any are as at be",
        "because been before being below between both but by can could did do does",
        "doing done down during each either few for from further get got had has",
        "have having he her here hers him his how i if in into is",
        "it its itself just me more most my myself no nor now of off",
        "on once only or other our ours out over own please same she should",
        "so some such than that the their them then there these they this those",
        "through to too under until up very via was we were what when where",
        "which while who whom why will with would you your yours yourself hi hello",
        "thanks thank pls plz im ive dont cant didnt doesnt isnt wont also",
    )
)

ZH_STOP = frozenset(
    _words(
        "的 了 吗 呢 吧 啊 呀 哦 嘛 么 我 你 您 他 她 它 我们 你们",
        "他们 我的 你的 您的 是 在 和 与 或 及 或者 以及 这 那 这个 那个 这些 那些",
        "就 都 也 还 又 很 太 被 把 给 让 对 从 向 到 之 其 为",
        "如 若 怎么 怎么办 怎样 如何 什么 为什么 为啥 咋 咋办 可以 能 能否 是否 请问 请 一下",
        "一个 个 些 哪 哪里 哪儿 一 啥 得 地 着 过 要 会 想 该 应该 有",
        "时 时候 里 上 下 中",
    )
)

# Words the default jieba dictionary splits or does not know. Synonym terms are added
# on top at run time (see synonyms.py), so this list only needs what synonyms lack.
_CRYPTO_WORDS = _words(
    "助记词 私钥 公钥 提币 充币 充值 提现 手续费 矿工费 燃料费",
    "谷歌验证器 验证器 二次验证 双重验证 身份认证 实名认证 高级认证 白名单 地址簿 黑名单",
    "冻结 解冻 钓鱼 防钓鱼码 钓鱼网站 备注 标签 波场 以太坊 币安链",
    "币安智能链 区块浏览器 区块确认 哈希 交易哈希 错链 充错 提错 转错 到账",
    "未到账 没到账 入账 出金 入金 法币 承兑 申诉 质押 解押",
    "赎回 年化 收益 节点 主网 测试网 跨链 冷钱包 热钱包 硬件钱包",
    "钱包地址 合约地址 代币 主币 原生币 稳定币 上币 下架 限额 提币限额",
    "接口 密钥 权限 子账户 注销 销户 人脸识别 护照 身份证 客服",
    "工单 冒充 诈骗 骗子 卡住 加速 取消交易 失败 网络拥堵 燃气费",
    "确认数 最低 最少",
)

_JIEBA: Any = None
_JIEBA_LOCK = threading.Lock()
# Under data/ so that package-data ("data/**/*" in pyproject.toml) ships it in wheels.
PACKAGED_SYNONYMS = Path(__file__).with_name("data") / "synonyms.yaml"


@lru_cache(maxsize=1)
def _dictionary_words() -> tuple[str, ...]:
    """Crypto words plus the Chinese terms of the packaged synonym table.

    Only words shipped with the code go into the segmenter: segmentation must be the
    same when an index is built and when it is queried, so synonyms edited at run
    time never change it (they match Chinese queries as substrings instead)."""
    words = set(_CRYPTO_WORDS)
    data = yaml.safe_load(PACKAGED_SYNONYMS.read_text(encoding="utf-8")) or {}
    for group in data.get("groups", []):
        for term in group:
            term = normalise(str(term)).replace(" ", "")
            if _CJK_ONLY_RE.fullmatch(term):
                words.add(term)
    return tuple(sorted(words))


def analyzer_signature() -> str:
    """Changes whenever analysis would produce different terms (version, dictionary)."""
    digest = hashlib.sha256("\n".join(_dictionary_words()).encode()).hexdigest()[:12]
    return f"v{ANALYZER_VERSION}-{digest}"


def _jieba() -> Any:
    global _JIEBA
    if _JIEBA is None:
        with _JIEBA_LOCK:
            if _JIEBA is None:
                import rjieba

                inst = rjieba.Jieba()
                for word in _dictionary_words():
                    inst.add_word(word, None, None)
                _JIEBA = inst
    return _JIEBA


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    try:
        import Stemmer  # PyStemmer (C)

        return Stemmer.Stemmer("english")
    except ImportError:  # pragma: no cover - pure-Python fallback, same algorithm
        import snowballstemmer

        return snowballstemmer.stemmer("english")


def _latin_terms(run: str, out: list[str]) -> None:
    for tok in _LATIN_RE.findall(run):
        if tok in EN_STOP:
            continue
        if len(tok) == 1 and not tok.isdigit():
            continue
        # Digits and alphanumeric codes (trc20, 2fa, eip1559) are not English words.
        out.append(tok if not tok.isalpha() else _stem(tok))


def _cjk_terms(run: str, out: list[str]) -> None:
    for tok in _jieba().cut_for_search(run, False):  # no HMM: new-word guessing is unstable
        if tok in ZH_STOP or not tok.strip():
            continue
        out.append(tok)


@lru_cache(maxsize=4096)
def _analyze_cached(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for match in _RUN_RE.finditer(normalise(text)):
        run = match.group(0)
        if _CJK_RE.match(run):
            _cjk_terms(run, out)
        else:
            _latin_terms(run, out)
    return tuple(out)


def analyze(text: str) -> tuple[str, ...]:
    """The index terms of ``text`` in order, repeats kept (term frequency counts)."""
    if len(text) <= 200:  # queries and titles repeat; long bodies would flush the cache
        return _analyze_cached(text)
    return _analyze_cached.__wrapped__(text)


_MD_PATTERNS = [
    (re.compile(r"```.*?```", re.S), " "),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"^\s{0,3}#{1,6}\s*", re.M), ""),
    (re.compile(r"^\s{0,3}>\s?", re.M), ""),
    (re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.M), ""),
    (re.compile(r"^\s*\|?[\s:|-]+\|[\s:|-]*$", re.M), ""),  # table rule lines
    (re.compile(r"\*\*|__|[*`]"), ""),  # emphasis: "**USDT**" must stay glued to CJK
    (re.compile(r"\|"), " "),
    (re.compile(r"<[^>]+>"), " "),
]


def markdown_to_text(markdown: str) -> str:
    """Plain text of Markdown, good enough for snippets (not for rendering)."""
    text = markdown
    for pattern, repl in _MD_PATTERNS:
        text = pattern.sub(repl, text)
    return re.sub(r"[ \t]+", " ", text).strip()


_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?]?|[^.\n]+(?:\.(?!\w)|$)")


def split_sentences(text: str) -> list[str]:
    return [m.group(0).strip() for m in _SENTENCE_RE.finditer(text) if m.group(0).strip()]
