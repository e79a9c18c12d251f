"""Retrieval evaluation: recall@1, recall@k and MRR@10 of (query, expected article key)
pairs, overall and per language. Each query has one relevant article, so recall@k is
the share of queries whose article is among the first k hits, and MRR@10 the mean of
1/rank (0 when the article is not in the first 10)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from blockdesk.kb.search.index import Index
from blockdesk.kb.search.ranking import RankingParams, repaired_text
from blockdesk.kb.search.service import DEFAULT_PARAMS, embedder, search_index
from blockdesk.kb.search.synonyms import current_table

__all__ = ["EvalQuery", "EvalReport", "Metrics", "evaluate", "load_queries"]

MRR_DEPTH = 10


@dataclass(frozen=True)
class EvalQuery:
    query: str
    language: str
    expected: str


@dataclass
class Metrics:
    count: int = 0
    hits_at_1: int = 0
    hits_at_k: int = 0
    reciprocal_sum: float = 0.0

    def add(self, rank: int | None, k: int) -> None:
        self.count += 1
        if rank is not None:
            self.hits_at_1 += rank == 1
            self.hits_at_k += rank <= k
            self.reciprocal_sum += 1.0 / rank

    @property
    def recall_at_1(self) -> float:
        return self.hits_at_1 / self.count if self.count else 0.0

    @property
    def recall_at_k(self) -> float:
        return self.hits_at_k / self.count if self.count else 0.0

    @property
    def mrr(self) -> float:
        return self.reciprocal_sum / self.count if self.count else 0.0


@dataclass
class EvalReport:
    k: int
    overall: Metrics = field(default_factory=Metrics)
    by_language: dict[str, Metrics] = field(default_factory=dict)
    ranks: list[int | None] = field(default_factory=list)
    unknown_keys: set[str] = field(default_factory=set)

    def rows(self) -> list[tuple[str, Metrics]]:
        return [("all", self.overall), *sorted(self.by_language.items())]

    def format(self) -> str:
        lines = [f"{'subset':<10} {'n':>5} {'R@1':>7} {f'R@{self.k}':>7} {'MRR@10':>7}"]
        for name, m in self.rows():
            lines.append(
                f"{name:<10} {m.count:>5} {m.recall_at_1:>7.3f} {m.recall_at_k:>7.3f} {m.mrr:>7.3f}"
            )
        return "\n".join(lines)


def load_queries(path: Path | str) -> list[EvalQuery]:
    """Rows of a CSV with header ``query,language,expected_id``."""
    path = Path(path)
    out: list[EvalQuery] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        needed = {"query", "language", "expected_id"}
        if reader.fieldnames is None or not needed <= set(reader.fieldnames):
            raise ValueError(f"{path}: header must contain {', '.join(sorted(needed))}")
        for line, row in enumerate(reader, start=2):
            query = (row["query"] or "").strip()
            expected = (row["expected_id"] or "").strip()
            if not query or not expected:
                raise ValueError(f"{path}:{line}: empty query or expected_id")
            out.append(EvalQuery(query, (row["language"] or "").strip(), expected))
    return out


def evaluate(
    index: Index,
    queries: Sequence[EvalQuery],
    *,
    k: int = 5,
    params: RankingParams = DEFAULT_PARAMS,
    query_vectors: np.ndarray | None = None,
) -> EvalReport:
    report = EvalReport(k=k)
    known = set(index.keys)
    if query_vectors is None and params.fusion != "lexical" and len(queries):
        # One batch: much faster than one encode call per query.
        table = current_table()
        query_vectors = embedder(index.embedder).encode(
            [repaired_text(q.query, index, params, table) for q in queries]
        )
    depth = max(k, MRR_DEPTH)
    for i, q in enumerate(queries):
        if q.expected not in known:
            report.unknown_keys.add(q.expected)
        hits = search_index(
            index,
            query=q.query,
            language=q.language or None,
            limit=depth,
            params=params,
            query_vector=None if query_vectors is None else query_vectors[i],
        )
        rank = next((n for n, h in enumerate(hits, 1) if h.document.key == q.expected), None)
        if rank is not None and rank > MRR_DEPTH:
            rank_for_mrr: int | None = None
        else:
            rank_for_mrr = rank
        report.ranks.append(rank)
        lang = q.language or "?"
        report.by_language.setdefault(lang, Metrics())
        for metrics in (report.overall, report.by_language[lang]):
            if rank_for_mrr is None and rank is not None:
                # Beyond the MRR depth but within k (k > 10): counts for recall only.
                metrics.count += 1
                metrics.hits_at_k += rank <= k
            else:
                metrics.add(rank_for_mrr, k)
    return report
