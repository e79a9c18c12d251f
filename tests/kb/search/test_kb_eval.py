"""kb_eval on a hand-computed toy case, and the metrics themselves."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from blockdesk.kb.search.content import STARTER_DIR, load_documents
from blockdesk.kb.search.evaluation import Metrics, load_queries


def article(root: Path, key: str, title: str, summary: str, body: str) -> None:
    folder = root / "general"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key}.en.md").write_text(
        f"---\nid: {key}\nlanguage: en\ncategory: general\nslug: {key}\nstatus: published\n"
        f'title: "{title}"\nsummary: "{summary}"\nexample_questions: []\nrelated: []\n---\n\n'
        f"{body}\n",
        encoding="utf-8",
    )


@pytest.fixture
def toy_kb(tmp_path: Path) -> tuple[Path, Path]:
    content = tmp_path / "content"
    article(
        content,
        "deposit-wrong-network",
        "Deposit on the wrong network",
        "Deposits on another network are not credited.",
        "Submit a recovery request. A small fee may apply.",
    )
    article(
        content,
        "withdrawal-fees",
        "Withdrawal fees",
        "Each withdrawal pays a fee.",
        "Fees depend on the network.",
    )
    article(
        content,
        "two-factor-reset",
        "Reset two-factor authentication",
        "Lost your authenticator app?",
        "Open the security page.",
    )
    csv = tmp_path / "queries.csv"
    csv.write_text(
        "query,language,expected_id\n"
        "wrong network deposit,en,deposit-wrong-network\n"  # rank 1
        "withdrawal fees,en,withdrawal-fees\n"  # rank 1
        "fees,en,deposit-wrong-network\n"  # rank 2: "fee" is in the other title
        "实名认证,zh-hans,two-factor-reset\n",  # not found
        encoding="utf-8",
    )
    return content, csv


def run(*args: str) -> str:
    out = StringIO()
    call_command("kb_eval", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_kb_eval_prints_hand_computed_metrics(toy_kb):
    content, csv = toy_kb
    output = run(str(csv), "--content", str(content), "--mode", "lexical", "--k", "5")
    rows = {line.split()[0]: line.split()[1:] for line in output.splitlines() if line.strip()}
    # all: R@1 = 2/4, R@5 = 3/4, MRR = (1 + 1 + 1/2 + 0) / 4
    assert rows["all"] == ["4", "0.500", "0.750", "0.625"]
    # en: R@1 = 2/3, R@5 = 3/3, MRR = (1 + 1 + 1/2) / 3
    assert rows["en"] == ["3", "0.667", "1.000", "0.833"]
    assert rows["zh-hans"] == ["1", "0.000", "0.000", "0.000"]
    assert "4 queries, 3 documents" in output


def test_kb_eval_k_changes_the_recall_cut_off(toy_kb):
    content, csv = toy_kb
    output = run(str(csv), "--content", str(content), "--mode", "lexical", "--k", "1")
    all_row = next(line for line in output.splitlines() if line.startswith("all"))
    assert all_row.split()[1:] == ["4", "0.500", "0.500", "0.625"]


def test_kb_eval_rejects_a_bad_file(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nhello,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="header"):
        run(str(bad), "--mode", "lexical")


def test_metrics_arithmetic():
    m = Metrics()
    for rank in (1, 3, None, 6):
        m.add(rank, 5)
    assert (m.count, m.hits_at_1, m.hits_at_k) == (4, 1, 2)
    assert m.mrr == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)


def test_starter_content_and_eval_set_agree():
    docs = load_documents(STARTER_DIR)
    assert len(docs) == 110 and {d.language for d in docs} == {"en", "zh-hans"}
    keys = {d.key for d in docs}
    queries = load_queries(STARTER_DIR.parent / "eval" / "search_queries.csv")
    assert len(queries) == 282
    assert {q.expected for q in queries} <= keys
