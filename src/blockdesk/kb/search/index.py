"""The search index: BM25F term weights (sparse, term-major) and sentence vectors.

Lexical part: BM25F with per-field length normalisation (per language, since Chinese
and English fields have different token counts) and field weights title > example
questions > summary > body. The final per (document, term) weight
``idf · tf~·(k1+1)/(k1+tf~)`` is precomputed, so a query only sums a few columns of
a CSC matrix.

Semantic part: each document has a few L2-normalised vectors (title, summary, each
example question); its semantic score is the best cosine over them (max-sim), which
suits short queries that paraphrase one example question.

Persistence: one ``.npz`` (no pickles) holding the arrays and a JSON blob with the
documents and metadata, written to a temporary file and renamed into place.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from blockdesk.kb.documents import SearchDocument
from blockdesk.kb.search.analysis import (
    analyze,
    analyzer_signature,
    markdown_to_text,
    normalise,
    split_sentences,
)

__all__ = ["FORMAT_VERSION", "Index", "IndexConfig", "build_index"]

FORMAT_VERSION = 1
# Up to this many vectors the semantic score is exact over all of them. Above it a
# query is scored in two stages (a full scan is memory-bound: 10k articles hold
# ~70k vectors, 145 MB): one centroid per document for everyone, then exact max-sim
# for the best ``SEMANTIC_CANDIDATES`` documents and the lexical candidates.
EXACT_ROWS = 4_000
SEMANTIC_CANDIDATES = 200
Progress = Callable[[int, int, str], None]  # (done, total, phase)
# Latin words and codes that start with a letter ("network", "trc20"); not amounts.
_CORRECTABLE_RE = re.compile(r"[a-z][a-z0-9]*")


def _correctable(term: str) -> bool:
    return term.isascii() and _CORRECTABLE_RE.fullmatch(term) is not None


@dataclass(frozen=True)
class IndexConfig:
    k1: float = 1.2
    # field → (weight, b)
    fields: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {
            "title": (3.0, 0.5),
            "questions": (2.0, 0.5),
            "summary": (1.5, 0.6),
            "body": (1.0, 0.75),
        }
    )
    embedder: str = "use-m3"
    # Which texts get a vector: "fields" = title, summary and each example question.
    embed_mode: str = "fields"


def _field_texts(doc: SearchDocument) -> dict[str, str]:
    return {
        "title": doc.title,
        "questions": "\n".join(doc.example_questions),
        "summary": doc.summary,
        "body": markdown_to_text(doc.body),
    }


def embedding_texts(doc: SearchDocument, mode: str) -> list[str]:
    if mode == "fields":
        texts = [doc.title, doc.summary, *doc.example_questions]
    elif mode == "title+questions":
        texts = [doc.title, *doc.example_questions]
    elif mode == "joined":
        texts = [" ".join([doc.title, doc.summary, *doc.example_questions])]
    else:
        raise ValueError(f"unknown embed_mode {mode!r}")
    return [t for t in texts if t.strip()] or [doc.title or " "]


def _text_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _doc_to_json(doc: SearchDocument) -> dict[str, Any]:
    data = asdict(doc)
    data["updated_at"] = doc.updated_at.isoformat()
    data["example_questions"] = list(doc.example_questions)
    return data


def _doc_from_json(data: dict[str, Any]) -> SearchDocument:
    return SearchDocument(
        article_id=int(data["article_id"]),
        key=data["key"],
        language=data["language"],
        title=data["title"],
        summary=data["summary"],
        body=data["body"],
        example_questions=tuple(data["example_questions"]),
        category=data["category"],
        url=data["url"],
        updated_at=datetime.fromisoformat(data["updated_at"]),
    )


class Index:
    """Immutable once built; safe to share between threads."""

    def __init__(
        self,
        *,
        documents: Sequence[SearchDocument],
        vocab: Sequence[str],
        weights: sparse.csc_matrix,
        vectors: np.ndarray,
        vec_starts: np.ndarray,
        vec_hashes: np.ndarray,
        embedder: str,
        config: IndexConfig,
        version: str | None = None,
        built_at: str | None = None,
        analyzer: str | None = None,
    ) -> None:
        self.documents = list(documents)
        self.vocab = list(vocab)
        self.term_ids = {t: i for i, t in enumerate(self.vocab)}
        self.weights = weights
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.vec_starts = np.asarray(vec_starts, dtype=np.int64)
        self.vec_ends = np.append(self.vec_starts[1:], len(self.vectors)).astype(np.int64)
        self.centroids: np.ndarray | None = None
        if len(self.vectors) > EXACT_ROWS and len(self.vec_starts):
            sums = np.add.reduceat(self.vectors, self.vec_starts, axis=0, dtype=np.float32)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            self.centroids = np.ascontiguousarray(sums / norms, dtype=np.float32)
        self.vec_hashes = np.asarray(vec_hashes, dtype=np.uint64)
        self.embedder = embedder
        self.config = config
        self.version = version or uuid.uuid4().hex
        self.built_at = built_at or datetime.now(UTC).isoformat()
        self.analyzer = analyzer or analyzer_signature()
        self._indptr = weights.indptr
        self._indices = weights.indices
        self._data = weights.data
        self.languages = np.array([d.language for d in self.documents])
        self.keys = [d.key for d in self.documents]
        key_ids: dict[str, int] = {}
        self.key_ids = np.array(
            [key_ids.setdefault(k, len(key_ids)) for k in self.keys], dtype=np.int64
        )
        self.n_keys = len(key_ids)
        self.doc_freq = np.diff(self._indptr)
        self._language_masks: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._sentences: dict[int, list[tuple[str, str]]] = {}
        # The search service's expanded queries (service._expanded): dropped with the index.
        self.expanded_queries: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self.documents)

    # -- scoring ------------------------------------------------------------------

    def _column(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        col = self.term_ids.get(term)
        if col is None:
            return None
        start, end = self._indptr[col], self._indptr[col + 1]
        return self._indices[start:end], self._data[start:end]

    def lexical_scores(
        self, clauses: Sequence[Sequence[tuple[Sequence[str], float]]]
    ) -> np.ndarray:
        """Sum over clauses of the best alternative; an alternative of several terms
        scores the mean of its terms (see ranking.QueryTerms)."""
        n = len(self.documents)
        scores = np.zeros(n, dtype=np.float32)
        for clause in clauses:
            if len(clause) == 1 and len(clause[0][0]) == 1:
                column = self._column(clause[0][0][0])
                if column is not None:
                    # Rows within a column are unique, so fancy-index += is exact.
                    scores[column[0]] += clause[0][1] * column[1]
                continue
            best = np.zeros(n, dtype=np.float32)
            for terms, weight in clause:
                part = np.zeros(n, dtype=np.float32)
                seen = np.zeros(n, dtype=np.int16)
                found = 0
                for term in terms:
                    column = self._column(term)
                    if column is not None:
                        part[column[0]] += column[1]
                        seen[column[0]] += 1
                        found += 1
                if found == len(terms):
                    # Only documents with every word of a phrase match it ("wrong
                    # network" is not matched by an article that just says "network").
                    part[seen < len(terms)] = 0.0
                    np.maximum(best, part * (weight / len(terms)), out=best)
            scores += best
        return scores

    def semantic_scores(
        self, query_vector: np.ndarray, candidates: np.ndarray | None = None
    ) -> np.ndarray:
        """Best cosine between the query and each document's vectors. Large indexes
        score exactly only the likely documents (see ``EXACT_ROWS``); ``candidates``
        (e.g. the lexical hits) are always among them."""
        n = len(self.documents)
        if not n or not len(self.vectors):
            return np.zeros(n, dtype=np.float32)
        q = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        if self.centroids is None:
            sims = np.dot(self.vectors, q)
            return np.maximum.reduceat(sims, self.vec_starts).astype(np.float32, copy=False)
        coarse = self.centroids @ q
        k = min(n, SEMANTIC_CANDIDATES)
        top = np.argpartition(-coarse, k - 1)[:k]
        if candidates is not None and len(candidates):
            top = np.union1d(top, candidates)
        starts, ends = self.vec_starts[top], self.vec_ends[top]
        lengths = ends - starts
        offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        rows = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
        sims = np.dot(self.vectors[rows], q)
        out = coarse.copy()
        out[top] = np.maximum.reduceat(sims, offsets)
        return out

    def language_masks(self, language: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents in ``language``, per key: has a translation in ``language``)."""
        masks = self._language_masks.get(language)
        if masks is None:
            in_lang = self.languages == language
            key_has = np.zeros(self.n_keys, dtype=bool)
            key_has[self.key_ids[in_lang]] = True
            masks = self._language_masks[language] = (in_lang, key_has)
        return masks

    def terms_in(self, pos: int, terms: Sequence[str]) -> list[str]:
        """The ``terms`` that occur in document ``pos``."""
        out = []
        for term in terms:
            column = self._column(term)
            if column is not None:
                i = int(np.searchsorted(column[0], pos))
                if i < len(column[0]) and column[0][i] == pos:
                    out.append(term)
        return out

    @cached_property
    def _targets(self) -> dict[str, str]:
        """Correction dictionary: every latin vocabulary term (→ itself) and every word
        of the titles, summaries and example questions (→ its term). Words matter
        because typos are made on words: "missng" is one edit from "missing" but two
        from its stem "miss"."""
        out = {t: t for t in self.vocab if _correctable(t)}
        for word, term in self._word_terms.items():
            out.setdefault(word, term)
        return out

    @cached_property
    def _deletes(self) -> dict[str, set[str]]:
        """One-deletion variants of the correction dictionary (SymSpell-style)."""
        out: dict[str, set[str]] = {}
        for entry in self._targets:
            if len(entry) < 4:
                continue
            for i in range(len(entry)):
                out.setdefault(entry[:i] + entry[i + 1 :], set()).add(entry)
        return out

    def correct(self, term: str, word: str | None = None) -> str | None:
        """The most frequent vocabulary term within one edit (or a transposition) of an
        unknown latin ``term`` or of the ``word`` it was analysed from, for typos such
        as "netwrok", "withdrawl", "missng" or "erc2o". Words need five letters
        (shorter ones have too many neighbours: "depo" is one edit from "demo"); codes
        that start with letters and hold digits ("trc02") need four."""
        if term in self.term_ids or not _correctable(term):
            return None
        targets, deletes = self._targets, self._deletes
        candidates: set[str] = set()
        for typed in dict.fromkeys(t for t in (term, word) if t and _correctable(t)):
            if len(typed) < (4 if not typed.isalpha() else 5):
                continue
            candidates.update(deletes.get(typed, ()))  # the entry has one more char
            for i in range(len(typed)):
                variant = typed[:i] + typed[i + 1 :]
                if variant in targets:  # the entry has one char less
                    candidates.add(variant)
                candidates.update(deletes.get(variant, ()))  # substitution / transposition
        # A code only corrects to a code, a word to a word ("trc02" is not "trc").
        fixes = {targets[c] for c in candidates if c.isalpha() == term.isalpha()}
        fixes = {f for f in fixes if f in self.term_ids and f != term}
        if not fixes:
            return None
        return max(fixes, key=lambda t: (int(self.doc_freq[self.term_ids[t]]), t))

    @cached_property
    def _sorted_latin(self) -> list[str]:
        return sorted(t for t in self.vocab if _correctable(t))

    def complete(self, prefix: str, *, limit: int = 3) -> list[str]:
        """Vocabulary terms that start with an unknown latin ``prefix`` (at least three
        characters), most frequent first: the unfinished last word of a query typed
        into a search box ("usdt wrong netw") or a clipped word ("withdr", "addr")."""
        if len(prefix) < 3 or prefix in self.term_ids or not _correctable(prefix):
            return []
        terms = self._sorted_latin
        start = bisect.bisect_left(terms, prefix)
        found: list[str] = []
        for term in terms[start:]:
            if not term.startswith(prefix):
                break
            found.append(term)
        found.sort(key=lambda t: (-int(self.doc_freq[self.term_ids[t]]), t))
        return found[:limit]

    @cached_property
    def _word_terms(self) -> dict[str, str]:
        """Latin word → its term, over titles, summaries and example questions (short
        fields only: built on first use, and bodies would make that first use slow)."""
        out: dict[str, str] = {}
        for doc in self.documents:
            for text in (doc.title, doc.summary, *doc.example_questions):
                for word in _CORRECTABLE_RE.findall(normalise(text)):
                    if word not in out:
                        terms = analyze(word)
                        out[word] = terms[0] if len(terms) == 1 else ""
        return {w: t for w, t in out.items() if t}

    @cached_property
    def _surfaces(self) -> dict[str, str]:
        """Term → the shortest word it comes from ("withdraw" → "withdraw", "confirm"
        → "confirm"), to turn a repair back into a word for the sentence encoder."""
        out: dict[str, str] = {}
        for word, term in self._word_terms.items():
            best = out.get(term)
            if best is None or (len(word), word) < (len(best), best):
                out[term] = word
        return out

    def surface(self, term: str) -> str | None:
        # Codes ("trc20") are their own surface.
        return self._surfaces.get(term) or (None if term.isalpha() else term)

    @cached_property
    def _positions(self) -> dict[tuple[str, str], int]:
        return {(d.key, d.language): i for i, d in enumerate(self.documents)}

    def position(self, key: str, language: str) -> int | None:
        return self._positions.get((key, language))

    def sentences(self, pos: int) -> list[tuple[str, str]]:
        """(sentence, normalised sentence) of the summary and plain body, for snippets;
        computed on first use and kept (a few KB per document)."""
        out = self._sentences.get(pos)
        if out is None:
            doc = self.documents[pos]
            parts = [doc.summary, *split_sentences(markdown_to_text(doc.body))]
            out = [(p, normalise(p)) for p in parts if p]
            self._sentences[pos] = out
        return out

    # -- persistence --------------------------------------------------------------

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT_VERSION,
            "version": self.version,
            "built_at": self.built_at,
            "analyzer": self.analyzer,
            "embedder": self.embedder,
            "config": asdict(self.config),
            "vocab": self.vocab,
            "documents": [_doc_to_json(d) for d in self.documents],
        }
        blob = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), np.uint8)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with tmp.open("wb") as fh:
                np.savez(
                    fh,
                    meta=blob,
                    w_data=self.weights.data.astype(np.float32),
                    w_indices=self.weights.indices.astype(np.int32),
                    w_indptr=self.weights.indptr.astype(np.int64),
                    vectors=self.vectors,
                    vec_starts=self.vec_starts,
                    vec_hashes=self.vec_hashes,
                )
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(path)  # atomic: readers see the old or the new file, never half
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path) -> Index:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"{path}: index format {meta.get('format')} unsupported")
            n_docs = len(meta["documents"])
            weights = sparse.csc_matrix(
                (data["w_data"], data["w_indices"], data["w_indptr"]),
                shape=(n_docs, len(meta["vocab"])),
            )
            config_data = meta["config"]
            config_data["fields"] = {k: tuple(v) for k, v in config_data["fields"].items()}
            return cls(
                documents=[_doc_from_json(d) for d in meta["documents"]],
                vocab=meta["vocab"],
                weights=weights,
                vectors=data["vectors"],
                vec_starts=data["vec_starts"],
                vec_hashes=data["vec_hashes"],
                embedder=meta["embedder"],
                config=IndexConfig(**config_data),
                version=meta["version"],
                built_at=meta["built_at"],
                analyzer=meta["analyzer"],
            )


def _bm25f(
    documents: Sequence[SearchDocument], config: IndexConfig, progress: Progress | None
) -> tuple[list[str], sparse.csc_matrix]:
    n = len(documents)
    vocab: dict[str, int] = {}
    per_field: dict[str, list[Counter[str]]] = {f: [] for f in config.fields}
    for i, doc in enumerate(documents):
        texts = _field_texts(doc)
        for name in config.fields:
            per_field[name].append(Counter(analyze(texts[name])))
        if progress is not None and (i % 200 == 0 or i == n - 1):
            progress(i + 1, n, "analyse")
    languages = [d.language for d in documents]
    # Average field length per language, so Chinese bodies are compared to Chinese ones.
    avg: dict[tuple[str, str], float] = {}
    for name in config.fields:
        for lang in set(languages):
            lengths = [
                sum(c.values())
                for c, dl in zip(per_field[name], languages, strict=True)
                if dl == lang
            ]
            avg[(name, lang)] = max(1.0, float(np.mean(lengths))) if lengths else 1.0
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, lang in enumerate(languages):
        acc: dict[str, float] = {}
        for name, (weight, b) in config.fields.items():
            counts = per_field[name][i]
            if not counts:
                continue
            norm = 1.0 - b + b * sum(counts.values()) / avg[(name, lang)]
            factor = weight / norm
            for term, tf in counts.items():
                acc[term] = acc.get(term, 0.0) + tf * factor
        for term, value in acc.items():
            col = vocab.setdefault(term, len(vocab))
            rows.append(i)
            cols.append(col)
            vals.append(value)
    tf = sparse.csc_matrix(
        (np.asarray(vals, np.float32), (np.asarray(rows), np.asarray(cols))),
        shape=(n, len(vocab)),
    )
    df = np.diff(tf.indptr).astype(np.float64)
    idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
    k1 = config.k1
    data = tf.data
    col_of = np.repeat(np.arange(len(vocab)), np.diff(tf.indptr))
    tf.data = (idf[col_of] * data * (k1 + 1.0) / (k1 + data)).astype(np.float32)
    tf.sort_indices()
    terms = [""] * len(vocab)
    for term, col in vocab.items():
        terms[col] = term
    return terms, tf


def build_index(
    documents: Sequence[SearchDocument],
    *,
    embedder: Any,
    config: IndexConfig | None = None,
    previous: Index | None = None,
    progress: Progress | None = None,
    batch_size: int = 64,
) -> Index:
    """Build an index; vectors of texts unchanged since ``previous`` are reused, so
    rebuilding after one article changed costs one article's embeddings."""
    config = config or IndexConfig(embedder=getattr(embedder, "name", "unknown"))
    documents = list(documents)
    vocab, weights = _bm25f(documents, config, progress)

    texts: list[str] = []
    starts: list[int] = []
    for doc in documents:
        starts.append(len(texts))
        texts.extend(embedding_texts(doc, config.embed_mode))
    hashes = np.fromiter((_text_hash(t) for t in texts), dtype=np.uint64, count=len(texts))
    dim = int(embedder.dim)
    vectors = np.zeros((len(texts), dim), dtype=np.float32)
    todo = list(range(len(texts)))
    if previous is not None and previous.embedder == embedder.name and len(previous.vectors):
        known = {int(h): i for i, h in enumerate(previous.vec_hashes)}
        todo = []
        for i, h in enumerate(hashes):
            j = known.get(int(h))
            if j is None:
                todo.append(i)
            else:
                vectors[i] = previous.vectors[j]
    for b0 in range(0, len(todo), batch_size):
        chunk = todo[b0 : b0 + batch_size]
        vectors[chunk] = embedder.encode([texts[i] for i in chunk])
        if progress is not None:
            progress(min(b0 + batch_size, len(todo)), len(todo), "embed")
    return Index(
        documents=documents,
        vocab=vocab,
        weights=weights,
        vectors=vectors,
        vec_starts=np.asarray(starts, dtype=np.int64),
        vec_hashes=hashes,
        embedder=embedder.name,
        config=config,
    )
