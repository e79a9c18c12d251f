"""Feature pipeline: sentence embeddings plus TF-IDF word and character n-grams.

Measured on BANKING77 (see docs/benchmarks/assistant.md): embeddings alone and
n-grams alone each reach ~90%; together ~92.5%, because n-grams catch the exact
product words ("top up", "PIN", "disposable card") that sentence encoders blur.

The pipeline holds only fitted numpy/sklearn state and embedder *names*, so it
pickles small and the embedder weights load once per process on first use.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from blockdesk.common.embeddings import get_embedder

from .direction import direction_matrix
from .language import has_cjk

__all__ = ["FeatureConfig", "FeaturePipeline", "Features", "normalise_text", "word_tokens"]

_CJK_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD_RE = re.compile(r"\w+(?:['’]\w+)?")


def normalise_text(text: str) -> str:
    # NFKC folds full-width Latin and digits (common in Chinese input methods)
    # onto their ASCII forms, so "ＵＳＤＴ" and "USDT" share n-grams.
    return unicodedata.normalize("NFKC", text).lower().strip()


def word_tokens(text: str) -> list[str]:
    """Lower-cased word tokens; Chinese runs are segmented with jieba, because
    Chinese has no spaces and a whole run would otherwise be one "word"."""
    text = normalise_text(text)
    if not has_cjk(text):
        return _WORD_RE.findall(text)
    import rjieba

    tokens: list[str] = []
    pos = 0
    for match in _CJK_RUN.finditer(text):
        tokens.extend(_WORD_RE.findall(text[pos : match.start()]))
        tokens.extend(t for t in rjieba.cut(match.group()) if t.strip())
        pos = match.end()
    tokens.extend(_WORD_RE.findall(text[pos:]))
    return tokens


def tfidf(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> sparse.csr_matrix:
    """`vectorizer.transform(texts)`, without scikit-learn's input checks on the counts it
    has just made itself: for one message they were half the n-gram features' cost
    (issue 17). The counts come from the vectorizer (CountVectorizer.transform: analyser,
    vocabulary); the rest is what TfidfTransformer.transform does to them with
    `sublinear_tf`, the fitted `idf_` and l2 rows. tests/assistant/test_model.py holds it
    to `transform`."""
    if vectorizer.norm != "l2" or not vectorizer.use_idf:
        return vectorizer.transform(texts)  # not this pipeline's settings: the library's
    counts = CountVectorizer.transform(vectorizer, texts).tocsr()
    data = counts.data.astype(np.float32, copy=False)
    if vectorizer.sublinear_tf:
        np.log(data, out=data)
        data += 1.0
    data *= vectorizer.idf_[counts.indices]
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(
        np.bincount(rows, weights=data.astype(np.float64) ** 2, minlength=counts.shape[0])
    )
    norms[norms == 0] = 1.0
    data /= norms[rows].astype(np.float32)
    counts.data = data
    return counts


@dataclass(frozen=True)
class FeatureConfig:
    embedders: tuple[str, ...] = ("use-m3",)
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    # Character n-grams seen once are mostly typos of one message; dropping them
    # halves the vocabulary at no measured cost.
    char_min_df: int = 2
    embedding_weight: float = 1.0
    # Weight of the direction/state cue columns (nlu/direction.py); 0 leaves them out.
    direction_weight: float = 2.0


@dataclass
class Features:
    """``sparse``: the classifier's input; ``dense``: the unit-norm concatenated,
    centred embeddings, used for nearest-neighbour scores."""

    sparse: sparse.csr_matrix
    dense: np.ndarray


class FeaturePipeline:
    def __init__(self, config: FeatureConfig | None = None) -> None:
        self.config = config or FeatureConfig()
        self.means: dict[str, np.ndarray] = {}
        self.word = TfidfVectorizer(
            tokenizer=word_tokens,
            lowercase=False,
            token_pattern=None,
            ngram_range=self.config.word_ngrams,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            preprocessor=normalise_text,
            ngram_range=self.config.char_ngrams,
            min_df=self.config.char_min_df,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self.fitted = False

    def embed(self, texts: Sequence[str], cached: bool = True) -> dict[str, np.ndarray]:
        """Embeddings by embedder name; ``cached=False`` bypasses the in-process
        cache (latency measurements must pay for the encoder)."""
        out = {}
        for name in self.config.embedders:
            embedder = get_embedder(name)
            out[name] = embedder.encode(texts) if cached else embedder.inner.encode(texts)
        return out

    def fit(
        self, texts: Sequence[str], embeddings: dict[str, np.ndarray] | None = None
    ) -> Features:
        """Fit on the training texts and return their features."""
        embeddings = embeddings if embeddings is not None else self.embed(texts)
        # Centring removes the direction every sentence shares (these encoders are
        # anisotropic: unrelated messages score cosine ~0.7 under e5); measured +0.5
        # points for the linear model and +1.5 for nearest-neighbour scores.
        self.means = {name: embeddings[name].mean(axis=0) for name in self.config.embedders}
        try:
            self.char.set_params(min_df=self.config.char_min_df)
            self.char.fit(texts)
        except ValueError:
            # Tiny training sets (a handful of examples) can leave no n-gram that
            # occurs twice; keep them all rather than fail.
            self.char.set_params(min_df=1)
            self.char.fit(texts)
        self.word.fit(texts)
        # Kept on the pipeline, not read from the config at transform time: a model
        # pickled before the cues existed must keep its feature width.
        self.direction_weight = self.config.direction_weight
        self.fitted = True
        return self.transform(texts, embeddings)

    def transform(
        self, texts: Sequence[str], embeddings: dict[str, np.ndarray] | None = None
    ) -> Features:
        if not self.fitted:
            raise RuntimeError("FeaturePipeline.transform called before fit")
        embeddings = embeddings if embeddings is not None else self.embed(texts)
        blocks = []
        for name in self.config.embedders:
            x = embeddings[name] - self.means[name]
            norms = np.linalg.norm(x, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            blocks.append((x / norms).astype(np.float32))
        if blocks:
            dense = np.hstack(blocks) / np.float32(np.sqrt(len(blocks)))
        else:
            dense = np.zeros((len(texts), 0), dtype=np.float32)
        parts: list[sparse.spmatrix] = [tfidf(self.word, texts), tfidf(self.char, texts)]
        direction_weight = getattr(self, "direction_weight", 0.0)
        if direction_weight:
            parts.append(direction_matrix(texts) * np.float32(direction_weight))
        if blocks:
            weight = np.float32(self.config.embedding_weight)
            parts = [sparse.csr_matrix(np.hstack(blocks) * weight), *parts]
        return Features(sparse=sparse.hstack(parts, format="csr"), dense=dense.astype(np.float32))
