"""From a query and an index to ranked hits: expansion, fusion, the cross-lingual
rule and snippets. Pure functions over an :class:`Index` (no Django, no disk)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from blockdesk.kb.documents import SearchDocument
from blockdesk.kb.search.analysis import analyze, has_cjk, normalise
from blockdesk.kb.search.index import Index
from blockdesk.kb.search.synonyms import SynonymTable

__all__ = [
    "QueryTerms",
    "RankingParams",
    "SearchHit",
    "expand_query",
    "fuse",
    "highlight",
    "query_language",
    "rank",
]


@dataclass(frozen=True)
class SearchHit:
    document: SearchDocument
    score: float
    # Plain text (the caller escapes it); ``highlight_terms`` are the words in it that
    # matched, so a caller can emphasise them after escaping.
    highlight: str
    lexical_score: float
    semantic_score: float
    cross_lingual: bool
    highlight_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class RankingParams:
    """Defaults chosen on the starter evaluation set; see docs/benchmarks/kb_search.md."""

    fusion: str = "linear"  # "linear" | "rrf" | "lexical" | "semantic"
    alpha: float = 0.5  # weight of the lexical score in the linear blend
    # "raw": cosine as is; "spread": (cos - mean) / (max - mean) over the index, for
    # encoders whose cosines sit in a narrow band (e5).
    semantic_norm: str = "raw"
    rrf_k: float = 60.0
    synonym_weight: float = 0.6
    typo_weight: float = 0.8
    # A document "matches" with a lexical score of at least this fraction of the
    # query's best one, or a cosine at least ``min_semantic``; nothing else is
    # returned (a stray expanded synonym alone does not make a result).
    min_lexical_ratio: float = 0.2
    min_semantic: float = 0.35
    # Evidence from the other translation of an article counts at this fraction.
    translation_weight: float = 0.5


@dataclass(frozen=True)
class QueryTerms:
    """A query as clauses. A clause is a set of alternatives (term tuples with a
    weight); a document scores the best alternative of each clause, and clauses add
    up. A synonym group is one clause, so a document that happens to use five
    synonyms of "2FA" does not outscore one that uses the word once; a multi-word
    alternative ("seed phrase") scores the mean of its terms."""

    clauses: tuple[tuple[tuple[tuple[str, ...], float], ...], ...]
    original: tuple[str, ...]

    @property
    def terms(self) -> dict[str, float]:
        """Every term with its highest weight (for snippets)."""
        out: dict[str, float] = {}
        for clause in self.clauses:
            for terms, weight in clause:
                for term in terms:
                    out[term] = max(out.get(term, 0.0), weight)
        return out


def query_language(query: str, language: str | None) -> str:
    if language:
        return "zh-hans" if language.lower().startswith("zh") else language.lower()
    return "zh-hans" if has_cjk(query) else "en"


def expand_query(
    query: str, index: Index, synonyms: SynonymTable | None, params: RankingParams
) -> QueryTerms:
    original = analyze(query)
    single: dict[str, list[tuple[tuple[str, ...], float]]] = {}
    corrected: list[str] = []
    for term in dict.fromkeys(original):
        alternatives: list[tuple[tuple[str, ...], float]] = [((term,), 1.0)]
        fixed = index.correct(term) if params.typo_weight > 0 else None
        if fixed is not None:
            corrected.append(fixed)
            alternatives.append(((fixed,), params.typo_weight))
        single[term] = alternatives
    clauses: list[tuple[tuple[tuple[str, ...], float], ...]] = []
    if synonyms is not None and params.synonym_weight > 0:
        # Corrected spellings take part in synonym matching too ("withdrawl" → 提币).
        for gid, covered in synonyms.matches(query, list(original) + corrected).items():
            alternatives = []
            for member in synonyms.members(gid):
                typed = set(member) <= covered or set(member) <= set(original)
                alternatives.append((member, 1.0 if typed else params.synonym_weight))
            clauses.append(tuple(alternatives))
            for term in covered:
                single.pop(term, None)
            for term in corrected:
                if term in covered:
                    for orig, alts in list(single.items()):
                        if any(t == (term,) for t, _ in alts):
                            single.pop(orig, None)
    clauses.extend(tuple(alts) for alts in single.values())
    return QueryTerms(clauses=tuple(clauses), original=original)


def fuse(lexical: np.ndarray, semantic: np.ndarray, params: RankingParams) -> np.ndarray:
    if params.fusion == "lexical":
        return lexical.astype(np.float32)
    if params.fusion == "semantic":
        return semantic.astype(np.float32)
    if params.fusion == "rrf":
        out = np.zeros(len(lexical), dtype=np.float32)
        for scores, mask in ((lexical, lexical > 0), (semantic, np.ones(len(lexical), bool))):
            order = np.argsort(-scores, kind="stable")
            ranks = np.empty(len(scores), dtype=np.float32)
            ranks[order] = np.arange(1, len(scores) + 1)
            out += np.where(mask, 1.0 / (params.rrf_k + ranks), 0.0).astype(np.float32)
        return out
    top = float(lexical.max()) if len(lexical) else 0.0
    lex = lexical / top if top > 0 else lexical
    sem = semantic
    if params.semantic_norm == "spread" and len(semantic):
        mean, best = float(semantic.mean()), float(semantic.max())
        sem = np.clip((semantic - mean) / (best - mean), 0.0, None) if best > mean else semantic
    return (params.alpha * lex + (1.0 - params.alpha) * sem).astype(np.float32)


def rank(
    index: Index,
    *,
    lexical: np.ndarray,
    semantic: np.ndarray,
    language: str,
    limit: int,
    params: RankingParams,
) -> list[tuple[int, float, bool]]:
    """(document position, score, cross_lingual) of the best ``limit`` articles.

    One hit per article key: the translation in the query's language when it exists
    (its score also takes ``translation_weight`` of the other translation's, so a
    query whose words only appear in the English version still finds the Chinese
    one), else the best other translation, flagged cross-lingual. Cross-lingual hits
    always rank below every same-language hit.
    """
    fused = fuse(lexical, semantic, params)
    top = float(lexical.max()) if len(lexical) else 0.0
    lexical_match = (lexical > 0) & (lexical >= params.min_lexical_ratio * top)
    if params.fusion == "lexical":
        matches = lexical_match
    else:
        matches = lexical_match | (semantic >= params.min_semantic)
    in_lang, key_has_lang = index.language_masks(language)
    key_ids = index.key_ids
    neg = np.float32(-np.inf)
    # Best matching other-language translation of every article.
    other = matches & ~in_lang
    best_other = np.full(index.n_keys, neg, dtype=np.float32)
    np.maximum.at(best_other, key_ids[other], fused[other])
    evidence_of = best_other[key_ids]
    has_evidence = np.isfinite(evidence_of)
    evidence = np.where(has_evidence, params.translation_weight * np.where(
        has_evidence, evidence_of, 0.0), neg)
    same_score = np.where(in_lang, np.maximum(np.where(matches, fused, neg), evidence), neg)
    cross_score = np.where(other & ~key_has_lang[key_ids], fused, neg)
    same = _best(same_score, key_ids, limit, cross=False)
    cross = _best(cross_score, key_ids, limit - len(same), cross=True) if len(same) < limit else []
    return same + cross


def _best(
    scores: np.ndarray, key_ids: np.ndarray, limit: int, *, cross: bool
) -> list[tuple[int, float, bool]]:
    """Best ``limit`` finite scores, one per article key, by score then position."""
    valid = np.flatnonzero(np.isfinite(scores))
    if not len(valid) or limit <= 0:
        return []
    # Over-fetch: several translations of one key may compete for a slot.
    k = min(len(valid), limit * 3)
    part = valid[np.argpartition(-scores[valid], k - 1)[:k]] if k < len(valid) else valid
    order = part[np.lexsort((part, -scores[part]))]
    out: list[tuple[int, float, bool]] = []
    seen: set[int] = set()
    for pos in order:
        key = int(key_ids[pos])
        if key in seen:
            continue
        seen.add(key)
        out.append((int(pos), float(scores[pos]), cross))
        if len(out) == limit:
            break
    return out




def highlight(
    doc: SearchDocument, sentences: Sequence[tuple[str, str]], terms: Sequence[str],
    *, width: int = 160,
) -> tuple[str, tuple[str, ...]]:
    """A short plain-text snippet around the sentence with the most matched terms,
    and the surface words in it that matched. Falls back to the summary.

    ``sentences`` are (text, normalised text) pairs; ``terms`` should be the query
    terms that occur in the document (few), so sentences can be pre-filtered with
    substring tests (stems are prefixes of their words) before any analysis."""
    wanted = set(terms)
    probes = [t for t in wanted if len(t) > 1]
    best: tuple[str, int] = ("", 0)
    if probes:
        for sentence, lowered in sentences:
            hits = sum(1 for t in probes if t in lowered)
            if hits > best[1]:
                best = (sentence, hits)
    sentence = best[0]
    found = _surface_matches(sentence, wanted) if sentence else ()
    if not sentence or not found:
        sentence = doc.summary or (sentences[0][0] if sentences else doc.title)
        found = ()
    return _trim(sentence, found, width), found


_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]*|[\u3400-\u9fff\uf900-\ufaff]+")


def _surface_matches(sentence: str, wanted: set[str]) -> tuple[str, ...]:
    found: list[str] = []
    for match in _WORD_RE.finditer(sentence):
        word = match.group(0)
        if has_cjk(word):
            # Report the matched Chinese terms themselves (a run holds several words).
            found.extend(t for t in analyze(word) if t in wanted and len(t) > 1)
        elif any(t in wanted for t in analyze(word)):
            found.append(word)
    return tuple(dict.fromkeys(found))


def _trim(sentence: str, found: Sequence[str], width: int) -> str:
    sentence = " ".join(sentence.split())
    if len(sentence) <= width:
        return sentence
    start = 0
    if found:
        first = min(
            (p for p in (normalise(sentence).find(normalise(w)) for w in found) if p >= 0),
            default=0,
        )
        start = max(0, first - width // 3)
    snippet = sentence[start : start + width].strip()
    return ("…" if start > 0 else "") + snippet + ("…" if start + width < len(sentence) else "")
