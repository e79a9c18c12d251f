"""Language detection restricted to the languages a deployment supports.

Restricting lingua to the configured languages matters: short support messages
("card blocked?") are ambiguous across 75 languages but not between two, and a
two-language detector is also much smaller and faster.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

__all__ = ["detect_language", "has_cjk"]

# CJK Unified Ideographs (+ extension A and compatibility ideographs). Any of these
# in a message is decisive between English and Chinese, and checking is ~1 µs.
_CJK_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_RE = re.compile("[\u3040-\u30ff]")
_HANGUL_RE = re.compile("[\uac00-\ud7af]")
_lock = threading.Lock()


def has_cjk(text: str) -> bool:
    return _CJK_RE.search(text) is not None


def _base(code: str) -> str:
    return code.lower().replace("_", "-").split("-", 1)[0]


@lru_cache(maxsize=16)
def _detector(bases: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    isos = []
    for base in bases:
        try:
            isos.append(IsoCode639_1.from_str(base))
        except ValueError:
            continue  # a language lingua does not know cannot be detected, only defaulted to
    if len(isos) < 2:
        return None
    return LanguageDetectorBuilder.from_iso_codes_639_1(*isos).build()


def detect_language(text: str, allowed: Sequence[str] = ("en", "zh-hans")) -> str:
    """Return the code (as spelled in ``allowed``) of the language of ``text``.

    The first allowed language is the default for empty or undecidable text.
    """
    if not allowed:
        raise ValueError("allowed must name at least one language")
    codes = list(allowed)
    default = codes[0]
    if len(codes) == 1 or not text.strip():
        return default
    by_base: dict[str, str] = {}
    for code in codes:
        by_base.setdefault(_base(code), code)

    if has_cjk(text) or _KANA_RE.search(text) or _HANGUL_RE.search(text):
        # Kana/Hangul mean Japanese/Korean; bare ideographs mean Chinese when
        # Chinese is configured (Japanese text nearly always carries kana).
        if _KANA_RE.search(text) and "ja" in by_base:
            return by_base["ja"]
        if _HANGUL_RE.search(text) and "ko" in by_base:
            return by_base["ko"]
        if has_cjk(text) and "zh" in by_base:
            return by_base["zh"]

    detector = _detector(tuple(sorted(by_base)))
    if detector is None:
        return default
    with _lock:  # the detector is safe to share, but keep first-use loading single
        found = detector.detect_language_of(text)
    if found is None:
        return default
    base = found.iso_code_639_1.name.lower()
    return by_base.get(base, default)
