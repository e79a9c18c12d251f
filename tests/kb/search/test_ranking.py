"""BM25 ordering, synonyms in both directions and the cross-lingual rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from blockdesk.kb.search.ranking import RankingParams
from blockdesk.kb.search.service import DEFAULT_PARAMS, search_index

from .conftest import TOY

LEXICAL = replace(DEFAULT_PARAMS, fusion="lexical")
NO_SYNONYMS = replace(LEXICAL, synonym_weight=0.0)


def keys(hits):
    return [h.document.key for h in hits]


def test_bm25_prefers_title_over_body_and_skips_non_matches(toy_index):
    hits = search_index(toy_index, query="fee", language="en", params=LEXICAL)
    order = keys(hits)
    # "Withdrawal fees" has the word in its title; the trading overview only in its body.
    assert order.index("withdrawal-fees") < order.index("fees-body-only")
    assert "staking-basics" not in order
    assert all(h.lexical_score > 0 for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_bm25_more_matching_terms_rank_higher(toy_index):
    hits = search_index(toy_index, query="staking rewards network", language="en", params=LEXICAL)
    assert keys(hits)[0] == "staking-basics"


def test_typo_is_corrected_against_the_vocabulary(toy_index):
    hits = search_index(toy_index, query="withdrawl feez", language="en", params=LEXICAL)
    assert keys(hits)[0] == "withdrawal-fees"


def test_chinese_query_finds_english_article_through_synonyms(toy_index):
    # 提币 / 手续费 appear only in the synonym table; the article is English-only.
    assert keys(search_index(toy_index, query="提币手续费", params=NO_SYNONYMS)) == []
    # In the English help center it is a same-language hit ...
    hits = search_index(toy_index, query="提币手续费", language="en", params=LEXICAL)
    assert keys(hits)[0] == "withdrawal-fees"
    assert not hits[0].cross_lingual
    # ... and for a Chinese reader a cross-lingual one (no Chinese article matches).
    hits = search_index(toy_index, query="提币手续费", params=LEXICAL)
    assert keys(hits)[0] == "withdrawal-fees"
    assert hits[0].cross_lingual


def test_english_abbreviation_finds_chinese_article_through_synonyms(toy_index):
    assert "two-factor-reset" not in keys(
        search_index(toy_index, query="2fa", language="en", params=NO_SYNONYMS)
    )
    hits = search_index(toy_index, query="2fa", language="en", params=LEXICAL)
    assert keys(hits)[0] == "two-factor-reset"


def test_english_synonym_both_ways(toy_index):
    # "locked" → the group {冻结, frozen, locked, ...}: a query with "frozen" and one
    # with "locked" find the same article.
    for query in ("frozen", "locked", "账户冻结"):
        hits = search_index(toy_index, query=query, language="en", params=LEXICAL)
        assert keys(hits)[0] == "account-frozen"


def test_cross_lingual_hit_ranks_below_same_language_hits(toy_index):
    # Staking: "staking-basics" is English, "staking-rewards" exists only in Chinese.
    hits = search_index(toy_index, query="staking rewards", language="en")
    found = keys(hits)
    assert "staking-rewards" in found and "staking-basics" in found
    by_key = {h.document.key: h for h in hits}
    assert by_key["staking-rewards"].cross_lingual
    assert by_key["staking-rewards"].document.language == "zh-hans"
    assert not by_key["staking-basics"].cross_lingual
    first_cross = next(i for i, h in enumerate(hits) if h.cross_lingual)
    assert all(h.cross_lingual for h in hits[first_cross:])


def test_chinese_query_finds_english_only_article_below_chinese_ones(toy_index):
    hits = search_index(toy_index, query="质押", language="zh-hans")
    found = keys(hits)
    assert found[0] == "staking-rewards" and not hits[0].cross_lingual
    assert "staking-basics" in found
    assert hits[found.index("staking-basics")].cross_lingual


def test_when_both_translations_exist_the_query_language_wins(toy_index):
    for query, language in (("wrong network deposit", "en"), ("充错链了", "zh-hans")):
        for lang in ("en", "zh-hans"):
            hits = search_index(toy_index, query=query, language=lang)
            hit = next(h for h in hits if h.document.key == "deposit-wrong-network")
            assert hit.document.language == lang
            assert not hit.cross_lingual
            # One hit per article, never both translations.
            assert keys(hits).count("deposit-wrong-network") == 1
        # Without a language the query's own language decides.
        auto = search_index(toy_index, query=query)
        assert auto[0].document.language == language


def test_highlight_is_plain_text_with_the_matched_terms(toy_index):
    hits = search_index(toy_index, query="recovery request", language="en", params=LEXICAL)
    hit = hits[0]
    assert hit.document.key == "deposit-wrong-network"
    assert "recovery request" in hit.highlight
    assert "recovery" in hit.highlight_terms
    assert "<" not in hit.highlight and "**" not in hit.highlight


def test_without_highlights_the_ranking_is_the_same(toy_index):
    for query in ("recovery request", "USDT 充错链了", "withdrawal pending"):
        full = search_index(toy_index, query=query, params=LEXICAL)
        bare = search_index(toy_index, query=query, params=LEXICAL, highlights=False)
        assert [(h.document.key, h.score) for h in bare] == [
            (h.document.key, h.score) for h in full
        ]
        assert all(h.highlight == "" and h.highlight_terms == () for h in bare)


def test_empty_and_silly_inputs(toy_index):
    assert search_index(toy_index, query="   ") == []
    assert search_index(toy_index, query="deposit", limit=0) == []
    assert len(search_index(toy_index, query="deposit " * 500, limit=3)) <= 3


def test_semantic_only_finds_a_paraphrase(toy_index):
    params = RankingParams(fusion="semantic")
    hits = search_index(toy_index, query="my coins went to the wrong blockchain", params=params)
    assert keys(hits)[0] == "deposit-wrong-network"
    assert len({h.document.key for h in hits}) == len(hits) <= len(TOY)


def test_two_stage_semantic_scoring_matches_exact_for_the_top(toy_index, monkeypatch):
    from blockdesk.kb.search import index as index_module

    monkeypatch.setattr(index_module, "EXACT_ROWS", 0)
    monkeypatch.setattr(index_module, "SEMANTIC_CANDIDATES", 3)
    big = index_module.Index(
        documents=toy_index.documents,
        vocab=toy_index.vocab,
        weights=toy_index.weights,
        vectors=toy_index.vectors,
        vec_starts=toy_index.vec_starts,
        vec_hashes=toy_index.vec_hashes,
        embedder=toy_index.embedder,
        config=toy_index.config,
    )
    assert big.centroids is not None
    from blockdesk.kb.search.service import embedder

    q = embedder(toy_index.embedder).encode(["my coins went to the wrong blockchain"])[0]
    exact, approx = toy_index.semantic_scores(q), big.semantic_scores(q)
    # The coarse top 3 are scored exactly, the rest by their centroid.
    assert int(np.sum(np.isclose(exact, approx, atol=2e-3))) >= 3
    best = int(np.argmax(exact))
    assert int(np.argmax(approx)) == best
    assert approx[best] == pytest.approx(exact[best], abs=2e-3)
    # A lexical candidate outside the coarse top gets its exact score too.
    worst = int(np.argmin(exact))
    approx2 = big.semantic_scores(q, candidates=np.array([worst]))
    assert approx2[worst] == pytest.approx(exact[worst], abs=2e-3)
