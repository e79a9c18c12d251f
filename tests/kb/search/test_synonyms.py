"""Editable synonyms: the override file and the admin/DB hook."""

from __future__ import annotations

from dataclasses import replace

import pytest

from blockdesk.kb.search import synonyms
from blockdesk.kb.search.service import DEFAULT_PARAMS, search_index

LEXICAL = replace(DEFAULT_PARAMS, fusion="lexical")


@pytest.fixture(autouse=True)
def _fresh_table(monkeypatch):
    monkeypatch.delenv("BLOCKDESK_KB_SYNONYMS_FILE", raising=False)
    synonyms.set_synonym_source(None)
    yield
    synonyms.set_synonym_source(None)


def keys(hits):
    return [h.document.key for h in hits]


def test_packaged_table_has_the_required_groups():
    table = synonyms.current_table()
    flat = {term for group in table.groups for term in group}
    for term in (
        "充值",
        "deposit",
        "提现",
        "withdraw",
        "助记词",
        "seed phrase",
        "私钥",
        "private key",
        "波场",
        "trc20",
        "币安链",
        "bep20",
        "2fa",
        "谷歌验证器",
        "kyc",
        "实名认证",
        "冻结",
        "frozen",
        "钓鱼",
        "phishing",
        "memo",
        "备注",
    ):
        assert term in flat, term


def test_override_file_adds_groups_and_is_reloaded(toy_index, tmp_path, monkeypatch):
    assert "staking-basics" not in keys(
        search_index(toy_index, query="yield farm", language="en", params=LEXICAL)
    )
    path = tmp_path / "syn.yaml"
    path.write_text("groups:\n  - [yield farm, staking]\n", encoding="utf-8")
    monkeypatch.setenv("BLOCKDESK_KB_SYNONYMS_FILE", str(path))
    hits = search_index(toy_index, query="yield farm", language="en", params=LEXICAL)
    assert keys(hits)[0] == "staking-basics"
    # replace: true drops the packaged groups (2fa no longer reaches 谷歌验证器).
    path.write_text("replace: true\ngroups:\n  - [yield farm, staking]\n", encoding="utf-8")
    synonyms.invalidate_synonyms()
    assert "two-factor-reset" not in keys(
        search_index(toy_index, query="2fa", language="en", params=LEXICAL)
    )


def test_db_source_hook(toy_index):
    synonyms.set_synonym_source(lambda: [["unbonding", "锁仓"]])
    hits = search_index(toy_index, query="unbonding", language="zh-hans", params=LEXICAL)
    assert keys(hits)[0] == "staking-rewards"


def test_a_failing_source_does_not_break_search(toy_index):
    def broken():
        raise RuntimeError("db down")

    synonyms.set_synonym_source(broken)
    assert keys(search_index(toy_index, query="frozen", language="en", params=LEXICAL))[0] == (
        "account-frozen"
    )


def test_a_query_is_expanded_once_per_index_and_table(toy_index, monkeypatch):
    """The search keeps a query's expansion on the index (the assistant asks for the same
    message's up to three times); edited synonyms or a rebuilt index expand it afresh."""
    from blockdesk.kb.search import service

    calls: list[str] = []
    real = service.expand_query

    def counted(query, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(query)
        return real(query, *args, **kwargs)

    monkeypatch.setattr(service, "expand_query", counted)
    toy_index.expanded_queries.clear()
    asked = {"query": "unbonding", "language": "zh-hans", "params": LEXICAL}
    before = keys(search_index(toy_index, **asked))
    assert keys(search_index(toy_index, **asked)) == before
    assert calls == ["unbonding"]
    assert not before or before[0] != "staking-rewards"
    synonyms.set_synonym_source(lambda: [["unbonding", "锁仓"]])
    assert keys(search_index(toy_index, **asked))[0] == "staking-rewards"  # the new table
    assert calls == ["unbonding"] * 2
    toy_index.expanded_queries.clear()  # as a rebuilt index starts
    search_index(toy_index, **asked)
    assert len(calls) == 3
