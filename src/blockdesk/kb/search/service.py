"""Knowledge-base search: the one entry point for the help center, the agent
workspace and the assistant.

    hits = search(query="USDT 充错链了", language="zh-hans", limit=10)

Hybrid ranking: BM25F over analysed words (jieba for Chinese, Snowball for English,
crypto synonyms as query expansion, one-edit typo correction) blended with multilingual
sentence-embedding similarity. See ranking.py for the cross-lingual rule.

The index is built from ``blockdesk.kb.selectors.published_documents`` (falling back
to the starter Markdown while the KB models are not installed), persisted under
``DATA_DIR/kb_index`` and rebuilt by a background task after articles change.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
from django.conf import settings
from django.db import transaction

from blockdesk.kb.documents import SearchDocument
from blockdesk.kb.search import shared, store
from blockdesk.kb.search.analysis import analyzer_signature
from blockdesk.kb.search.index import Index, IndexConfig, build_index
from blockdesk.kb.search.ranking import (
    QueryTerms,
    RankingParams,
    SearchHit,
    expand_query,
    highlight,
    query_language,
    rank,
    repaired_text,
)
from blockdesk.kb.search.synonyms import SynonymTable, current_table

__all__ = [
    "DEFAULT_PARAMS",
    "Index",
    "SearchHit",
    "embedder",
    "published_documents",
    "rebuild_index",
    "reindex",
    "schedule_reindex",
    "search",
    "search_index",
]

logger = logging.getLogger(__name__)

DEFAULT_PARAMS = RankingParams()
MAX_QUERY_CHARS = 300
MAX_LIMIT = 50
# _expanded: queries kept per index.
EXPANDED_KEPT = 1024
_expanded_lock = threading.Lock()


# -- embedder -----------------------------------------------------------------------


class NullEmbedder:
    """Stands in when no sentence encoder can load: search degrades to lexical."""

    name = "none"
    dim = 1

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.zeros((len(texts), 1), dtype=np.float32)


def embedder_name() -> str:
    return str(
        os.environ.get("BLOCKDESK_KB_EMBEDDER")
        or getattr(settings, "BLOCKDESK_KB_EMBEDDER", None)
        or "use-m3"
    )


def embedder(name: str | None = None) -> Any:
    """The embedder behind search (any object with ``name``, ``dim`` and
    ``encode(texts) -> unit rows``; register others in common/embeddings.py)."""
    from blockdesk.common.embeddings import EmbedderUnavailable, get_embedder

    name = name or embedder_name()
    inst = _embedders.get(name)
    if inst is not None:
        return inst
    if name == NullEmbedder.name:
        inst = NullEmbedder()
    else:
        try:
            inst = get_embedder(name)
            inst.encode(["warm up"])  # surface a missing model now, not mid-search
        except EmbedderUnavailable as exc:
            logger.warning("kb search: embedder %s unavailable (%s); lexical only", name, exc)
            inst = NullEmbedder()
    _embedders[name] = inst
    return inst


_embedders: dict[str, Any] = {}


# -- documents and index builds ---------------------------------------------------


def published_documents(*, account_id: int | None = None) -> list[SearchDocument]:
    try:
        selectors = importlib.import_module("blockdesk.kb.selectors")
    except ImportError:
        selectors = None
    if selectors is not None and hasattr(selectors, "published_documents"):
        return list(selectors.published_documents(account_id=account_id))
    from blockdesk.kb.search.content import load_documents

    return load_documents()


def rebuild_index(
    documents: Sequence[SearchDocument],
    *,
    progress: Callable[[int, int, str], None] | None = None,
    previous: Index | None = None,
    config: IndexConfig | None = None,
) -> Index:
    """Build an index of ``documents`` in memory (callers persist it with
    ``index.save(path)``; :func:`reindex` does both)."""
    emb = embedder(config.embedder if config else None)
    if config is None:
        config = IndexConfig(embedder=emb.name)
    return build_index(documents, embedder=emb, config=config, previous=previous, progress=progress)


def reindex(
    *,
    account_id: int | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    full: bool = False,
) -> Index:
    """Rebuild the scope's index from the published articles and write it to disk.
    Unchanged texts keep their vectors (unless ``full``), so this is cheap."""
    with store.scope_lock(account_id):
        path = store.index_path(account_id)
        previous = None
        if not full and path.exists():
            try:
                previous = Index.load(path)
            except (OSError, ValueError, KeyError):
                previous = None
        docs = published_documents(account_id=account_id)
        index = rebuild_index(docs, progress=progress, previous=previous)
        index.save(path)
        if shared.enabled():  # other nodes load it on their next check (shared.py)
            shared.publish(account_id, path, index.version)
        store.remember(account_id, index)
    logger.info("kb search: indexed %d documents (scope %s)", len(docs), account_id)
    return index


def schedule_reindex(article_id: int | None = None, *, account_id: int | None = None) -> None:
    """Queue a background rebuild once the current transaction commits. Without an
    ``account_id`` every scope that has an index is refreshed."""
    from blockdesk.kb.search.tasks import reindex_kb

    transaction.on_commit(lambda: reindex_kb.enqueue(article_id=article_id, account_id=account_id))


def _index_for(account_id: int | None) -> Index:
    index = store.cached_index(account_id)
    stale = index is not None and (
        index.analyzer != analyzer_signature() or index.embedder != embedder_name()
    )
    if index is None or stale:
        # First search on a fresh install (or after an upgrade changed analysis or the
        # embedder): build now rather than answer with nothing. Later updates come
        # from the background task.
        return reindex(account_id=account_id)
    return index


# -- search -------------------------------------------------------------------------


def search_index(
    index: Index,
    *,
    query: str,
    language: str | None = None,
    limit: int = 10,
    params: RankingParams = DEFAULT_PARAMS,
    query_vector: np.ndarray | None = None,
    highlights: bool = True,
) -> list[SearchHit]:
    """Search a given index (the service below picks and refreshes the index).
    `highlights=False`: no snippets (a caller that only ranks, like the assistant)."""
    query = _clipped(query)
    limit = max(0, min(int(limit), MAX_LIMIT))
    if not query or not limit or not len(index):
        return []
    lang = query_language(query, language)
    table = current_table()
    expanded = _expanded(query, index, table, params)
    lexical = index.lexical_scores(expanded.clauses)
    if not _semantic(index, params):
        semantic = np.zeros(len(index), dtype=np.float32)
        if params.fusion != "lexical":
            params = RankingParams(**{**params.__dict__, "fusion": "lexical"})
    else:
        if query_vector is None:
            query_vector = embedder(index.embedder).encode(
                [repaired_text(query, index, params, table, expanded)]
            )[0]
        # Lexical hits always get an exact semantic score (large indexes approximate
        # the rest, see Index.semantic_scores).
        lexical_hits = np.flatnonzero(lexical > 0)
        if len(lexical_hits) > 200:
            lexical_hits = lexical_hits[np.argpartition(-lexical[lexical_hits], 199)[:200]]
        semantic = index.semantic_scores(query_vector, candidates=lexical_hits)
    ranked = rank(
        index, lexical=lexical, semantic=semantic, language=lang, limit=limit, params=params
    )
    hits = []
    query_terms = list(expanded.terms)
    for pos, score, cross in ranked:
        doc = index.documents[pos]
        snippet: str = ""
        found: tuple[str, ...] = ()
        if highlights:
            snippet, found = highlight(doc, index.sentences(pos), index.terms_in(pos, query_terms))
        hits.append(
            SearchHit(
                document=doc,
                score=round(float(score), 6),
                highlight=snippet,
                lexical_score=round(float(lexical[pos]), 6),
                semantic_score=round(float(semantic[pos]), 6),
                cross_lingual=cross,
                highlight_terms=found,
            )
        )
    return hits


def _expanded(query: str, index: Index, table: SynonymTable, params: RankingParams) -> QueryTerms:
    """expand_query, kept on the index for its last EXPANDED_KEPT queries: the assistant
    asks for the same message's up to three times (the encoder's batch, its own
    embedding, its search; issue 17), and a flood asks the same few things. A reloaded
    synonym table is another key; a rebuilt index starts empty."""
    memo = index.expanded_queries
    key = (query, id(table), params)
    found = memo.get(key)
    if found is not None:
        return cast(QueryTerms, found[1])
    expanded = expand_query(query, index, table, params)
    with _expanded_lock:
        while len(memo) >= EXPANDED_KEPT:
            memo.pop(next(iter(memo)))
        memo[key] = (table, expanded)  # the table kept: its id is not reused meanwhile
    return expanded


def _clipped(query: str) -> str:
    return (query or "").strip()[:MAX_QUERY_CHARS]


def _semantic(index: Index, params: RankingParams) -> bool:
    return params.fusion != "lexical" and index.embedder != NullEmbedder.name


def semantic_query(query: str, *, account_id: int | None = None) -> tuple[str, str] | None:
    """(encoder name, text): what `search` would give the sentence encoder for `query`
    (the query repaired and normalised), for a caller that embeds the message too (the
    assistant's intent model) and can encode both in one batch on the shared encoder.
    None when search would embed nothing (an empty query, an empty or lexical index)."""
    query = _clipped(query)
    index = _index_for(account_id)
    if not query or not len(index) or not _semantic(index, DEFAULT_PARAMS):
        return None
    table = current_table()
    expanded = _expanded(query, index, table, DEFAULT_PARAMS)
    return index.embedder, repaired_text(query, index, DEFAULT_PARAMS, table, expanded)


def search(
    *,
    query: str,
    language: str | None = None,
    limit: int = 10,
    account_id: int | None = None,
    highlights: bool = True,
) -> list[SearchHit]:
    """Ranked articles for ``query``: one hit per article, in ``language`` (default:
    the query's language) when that translation exists; articles found only in
    another language follow, flagged ``cross_lingual``. ``highlights=False``: hits
    without a snippet (a third of the cost of a short query)."""
    if not (query or "").strip():
        return []
    return search_index(
        _index_for(account_id),
        query=query,
        language=language,
        limit=limit,
        highlights=highlights,
    )
