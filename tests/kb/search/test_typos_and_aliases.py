"""Queries as customers type them: unfinished last words, typos on words and on network
codes, network / token nicknames (U, 币安链, 波场), one-character slang (充 / 提) and two
networks in one query. Each test fails on the search before issue 16 (item 4)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from blockdesk.kb.search.analysis import PACKAGED_SYNONYMS
from blockdesk.kb.search.index import Index, IndexConfig, build_index
from blockdesk.kb.search.ranking import RankingParams, expand_query, repaired_text
from blockdesk.kb.search.service import NullEmbedder, search_index
from blockdesk.kb.search.synonyms import SynonymTable, load_groups_file, load_kinds_file

from .conftest import doc

LEXICAL = RankingParams(fusion="lexical")


@pytest.fixture(scope="module")
def table() -> SynonymTable:
    return SynonymTable(load_groups_file(PACKAGED_SYNONYMS)[0], load_kinds_file(PACKAGED_SYNONYMS))


@pytest.fixture(scope="module")
def index() -> Index:
    docs = [
        doc(
            "deposit-wrong-network",
            "en",
            "I sent my deposit on the wrong network",
            summary="A deposit sent on another network is not credited automatically.",
            body="Check which network you used (for example TRC20) and submit a recovery request.",
        ),
        doc(
            "withdrawal-fees",
            "en",
            "How withdrawal fees work",
            summary="Each withdrawal pays a fee; USDT fees depend on the network.",
            body="TRC20 and ERC20 withdrawals cost different fees. Networks differ.",
        ),
        doc(
            "deposit-not-arrived",
            "en",
            "My deposit is missing",
            summary="A missing deposit usually waits for confirmations.",
            body="Check the TXID in a block explorer.",
        ),
        doc(
            "withdrawal-fees",
            "zh-hans",
            "提币手续费说明",
            summary="每笔提币都收取网络手续费。",
            body="不同网络的手续费不同。",
        ),
        doc(
            "deposit-wrong-network",
            "zh-hans",
            "充错网络怎么办",
            summary="使用了错误的网络充值，不会自动到账。",
            body="请提交找回申请。",
        ),
        doc(
            "deposit-not-arrived",
            "zh-hans",
            "充值未到账",
            summary="充值没到账时请先核对交易哈希。",
            body="在区块浏览器查询确认数。",
        ),
    ]
    emb = NullEmbedder()
    return build_index(docs, embedder=emb, config=IndexConfig(embedder=emb.name))


def keys(index: Index, query: str, table: SynonymTable, monkeypatch, **kw) -> list[str]:
    monkeypatch.setattr("blockdesk.kb.search.service.current_table", lambda: table)
    hits = search_index(index, query=query, params=LEXICAL, **kw)
    return [h.document.key for h in hits]


# -- prefix of the unfinished last word ----------------------------------------------


def test_last_word_is_completed_from_the_vocabulary(index):
    assert "network" in index.complete("netw")
    assert index.complete("ne") == []  # too short to mean anything
    assert index.complete("network") == []  # known words are left alone


def test_unfinished_last_word_finds_the_article(index, table, monkeypatch):
    # Old code: "netw" matched nothing at all.
    found = keys(index, "fees netw", table, monkeypatch)
    assert found[:2] == ["withdrawal-fees", "deposit-wrong-network"]
    monkeypatch.setattr("blockdesk.kb.search.service.current_table", lambda: table)
    off = replace(LEXICAL, prefix_weight=0.0)
    assert [h.document.key for h in search_index(index, query="fees netw", params=off)] == [
        "withdrawal-fees"
    ]
    assert keys(index, "usdt wrong netw", table, monkeypatch)[0] == "deposit-wrong-network"


def test_clipped_word_inside_the_query_is_completed_from_four_letters(index, table):
    expanded = expand_query("withdr fees", index, table, LEXICAL)
    assert any(terms == ("withdraw",) for c in expanded.clauses for terms, _ in c)
    # Three letters inside a query are too ambiguous; only the last word gets that.
    expanded = expand_query("wit fees", index, table, LEXICAL)
    assert not any(terms == ("withdraw",) for c in expanded.clauses for terms, _ in c)


# -- typos ----------------------------------------------------------------------------


def test_typo_is_corrected_on_the_typed_word_not_on_its_stem(index):
    # "missing" is indexed as "miss": two edits from "missng", one from the word.
    assert index.correct("missng", "missng") == "miss"


def test_typo_in_a_network_code_is_corrected_to_a_code(index):
    assert index.correct("erc2o") == "erc20"
    assert index.correct("trc02") == "trc20"
    assert index.correct("100u") is None  # amounts are not codes


def test_misspelt_query_finds_the_article(index, table, monkeypatch):
    assert keys(index, "deposit missng", table, monkeypatch)[0] == "deposit-not-arrived"


def test_repaired_text_feeds_the_encoder_whole_words(index, table):
    assert repaired_text("usdt wrong netw", index, LEXICAL) == "usdt wrong network"
    assert repaired_text("usdt wrong network", index, LEXICAL) == "usdt wrong network"


# -- aliases and slang ----------------------------------------------------------------


def group_of(table: SynonymTable, member: str) -> int:
    return next(g for g, members in enumerate(table.groups) if member in members)


def test_u_means_usdt_next_to_chinese_or_after_an_amount(table):
    usdt = group_of(table, "usdt")
    assert usdt in table.matches("U充错链", ())
    assert usdt in table.matches("100u withdrawal", ())
    assert usdt not in table.matches("can u help", ())  # English "u" is "you"


def test_one_character_chinese_slang_matches_only_as_a_word(table):
    deposit, withdraw = group_of(table, "deposit"), group_of(table, "withdraw")
    assert deposit in table.matches("充u没到账", ("充", "没到", "到账", "没到账"))
    assert withdraw in table.matches("提u手续费", ("提", "手续费"))
    assert withdraw not in table.matches("提示", ("提示",))  # "hint"
    assert deposit not in table.matches("补充资料", ("补充", "资料"))  # "supplement"


def test_chain_nicknames_find_the_article_across_languages(index, table, monkeypatch):
    assert keys(index, "币安链充错", table, monkeypatch)[0] == "deposit-wrong-network"
    assert keys(index, "提u手续费", table, monkeypatch)[0] == "withdrawal-fees"


def test_network_groups_weigh_less_than_topic_words(index, table):
    expanded = expand_query("bep20 deposit", index, table, LEXICAL)
    weights = {terms: w for c in expanded.clauses for terms, w in c}
    assert weights[("bep20",)] == LEXICAL.entity_weight < weights[("deposit",)]


def test_two_networks_with_a_direction_mean_the_wrong_network(index, table, monkeypatch):
    mismatch = table.mismatch_group
    assert mismatch is not None
    assert mismatch in expand_query("trc20 to erc20", index, table, LEXICAL).inferred
    assert mismatch in expand_query("bsc充到了erc20地址", index, table, LEXICAL).inferred
    # A comparison is not a mix-up.
    assert expand_query("erc20 vs trc20", index, table, LEXICAL).inferred == ()
    # Old code: both codes pointed at the fee article, which names both networks.
    assert keys(index, "trc20 to erc20", table, monkeypatch)[0] == "deposit-wrong-network"


def test_a_token_on_the_wrong_network_is_read_as_a_deposit(table, monkeypatch):
    """Issue 16: "usdt wrong netw" ranked the wallet's network switcher above the deposit
    article (both say "wrong network" in their titles; the wallet one names USDT too)."""
    docs = [
        doc(
            "deposit-wrong-network",
            "en",
            "I sent my deposit on the wrong network",
            summary="A deposit sent on another network is not credited automatically.",
        ),
        doc(
            "wallet-wrong-network",
            "en",
            "My wallet is on the wrong network",
            summary="Switch the wallet to the network your USDT is on to see it.",
            body="A wallet shows the USDT of the selected network only.",
        ),
        doc(
            "withdrawal-wrong-address",
            "en",
            "I withdrew to the wrong address",
            summary="A withdrawal to a wrong address cannot be reversed.",
        ),
    ]
    emb = NullEmbedder()
    index = build_index(docs, embedder=emb, config=IndexConfig(embedder=emb.name))
    deposit = table.token_mismatch_group
    assert deposit is not None
    for query in ("usdt wrong netw", "usdc wrong netwrk", "sent usdt on the wrong chain"):
        assert deposit in expand_query(query, index, table, LEXICAL).inferred, query
        assert keys(index, query, table, monkeypatch)[0] == "deposit-wrong-network", query
    # A wallet or withdrawal word, no token, or Chinese (充错 says the side): no inference.
    for query in (
        "usdt wallet wrong network",
        "withdraw usdt wrong network",
        "wrong network",
        "usdt 充错网络",
    ):
        assert deposit not in expand_query(query, index, table, LEXICAL).inferred, query
    assert keys(index, "usdt wallet wrong network", table, monkeypatch)[0] == (
        "wallet-wrong-network"
    )


def test_repairs_can_be_switched_off(index, table):
    off = replace(LEXICAL, prefix_weight=0.0, typo_weight=0.0)
    expanded = expand_query("usdt wrong netw", index, table, off)
    assert not any(terms == ("network",) for c in expanded.clauses for terms, _ in c)


def test_an_article_matching_in_both_languages_gets_a_bonus(index):
    import numpy as np

    from blockdesk.kb.search.ranking import rank

    lexical = np.zeros(len(index), dtype=np.float32)
    lexical[index.position("deposit-wrong-network", "en")] = 1.0
    lexical[index.position("deposit-not-arrived", "en")] = 1.05
    # Its Chinese translation matches too (the slang the English query expanded to).
    lexical[index.position("deposit-wrong-network", "zh-hans")] = 1.0
    semantic = np.zeros(len(index), dtype=np.float32)
    ranked = rank(index, lexical=lexical, semantic=semantic, language="en", limit=2, params=LEXICAL)
    assert [index.documents[pos].key for pos, _, _ in ranked] == [
        "deposit-wrong-network",
        "deposit-not-arrived",
    ]
    ranked = rank(
        index,
        lexical=lexical,
        semantic=semantic,
        language="en",
        limit=2,
        params=replace(LEXICAL, translation_bonus=0.0),
    )
    assert index.documents[ranked[0][0]].key == "deposit-not-arrived"
