"""Confusable intents (assistant/confusables.py), direction words (cues.direction), the
rule that asks one clarifying question or lets the customer's direction word decide
(assistant/disambiguation.py), and the one ranking of articles from the intent model and
KB search together (assistant/selection.py). Pure functions: no model, no database."""

from __future__ import annotations

import pytest

from blockdesk.assistant import confusables, cues, selection
from blockdesk.assistant.disambiguation import disambiguate, resolve_reply
from blockdesk.assistant.engine import SearchOpinion, Understanding
from blockdesk.assistant.nlu.model import IntentScore


def understanding(*ranked: tuple[str, float], action: str = "answer") -> Understanding:
    alternatives = [IntentScore(k, p) for k, p in ranked]
    return Understanding(action, ranked[0][0], ranked[0][1], False, alternatives=alternatives)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("提币三天了还没到", "out"),
        ("提现一直在处理中", "out"),
        ("转出的usdt没到", "out"),
        ("提错地址了", "out"),
        ("my withdrawal has not arrived after 3 days", "out"),
        ("cash out failed", "out"),
        ("充值三天了还没到", "in"),
        ("充错链了", "in"),
        ("deposit not arrived", "in"),
        ("topped up yesterday, nothing", "in"),
        # Withdrawing elsewhere to send here is a deposit here.
        ("我从别的平台提了 1000U 过来，选的 BEP20", "in"),
        ("I withdrew 500 USDT from my other exchange but your deposit page said TRON", "in"),
        # Both words, or words that only contain 提/充: no direction.
        ("Why can I trade my deposited ETH but not withdraw it yet?", None),
        ("请提供一下截图", None),
        ("有人冒充客服", None),
        ("系统提示错误", None),
        ("补充说明一下", None),
        ("how do I enable 2FA", None),
    ],
)
def test_direction_words(text, expected):
    assert cues.direction(text) == expected


def test_pairs_name_existing_distinct_intents_and_labels_exist():
    from pathlib import Path

    starter = Path(__file__).resolve().parents[2] / "src/blockdesk/kb/content/starter"
    keys = {
        line.split(":", 1)[1].strip()
        for path in starter.glob("*/*.en.md")
        for line in path.read_text().splitlines()[:3]
        if line.startswith("id:")
    }
    for pair in confusables.PAIRS:
        assert pair.first != pair.second
        assert {pair.first, pair.second} <= keys, pair
        assert confusables.label(pair.first, "en") and confusables.label(pair.second, "en")
    assert set(confusables.DIRECTION) <= keys
    assert confusables.pair_of("withdrawal-pending", "deposit-not-arrived") is not None
    assert confusables.pair_of("deposit-not-arrived", "fee-schedule") is None


def test_labels_in_both_languages():
    assert confusables.label("deposit-not-arrived", "en") == (
        "a deposit (money coming in) that has not arrived"
    )
    assert confusables.label("deposit-not-arrived", "zh-hans") == "充值（转入）未到账"
    assert confusables.label("fee-schedule", "en") is None


def test_a_withdrawal_question_answered_as_a_deposit_is_turned_around():
    # The demo: "提币三天了还没到" answered as a deposit not arrived at 80 %.
    u = understanding(
        ("deposit-not-arrived", 0.80), ("withdrawal-pending", 0.15), ("fee-schedule", 0.02)
    )
    verdict = disambiguate(u, "提币三天了还没到", margin=0.3)
    assert verdict is not None
    assert (verdict.action, verdict.intent, verdict.direction) == (
        "answer",
        "withdrawal-pending",
        "out",
    )
    assert verdict.confidence == pytest.approx(0.95)
    # The same message about a deposit keeps the model's answer.
    assert disambiguate(u, "充值三天了还没到", margin=0.3) is None


def test_the_pair_partner_answers_even_when_the_model_did_not_rank_it():
    u = understanding(
        ("deposit-not-arrived", 0.85), ("deposit-missing-memo", 0.1), ("fee-schedule", 0.02)
    )
    verdict = disambiguate(u, "my withdrawal is still not there", margin=0.3)
    assert verdict is not None
    assert (verdict.action, verdict.intent) == ("answer", "withdrawal-pending")
    assert verdict.confidence == pytest.approx(0.85)
    # An intent with no direction is left to the model.
    other = understanding(("deposit-confirmations", 0.8), ("withdrawal-pending", 0.1))
    assert disambiguate(other, "提币提示还要等确认", margin=0.3) is None


def test_close_confusable_pair_without_a_direction_word_asks():
    u = understanding(("deposit-not-arrived", 0.50), ("withdrawal-pending", 0.40))
    verdict = disambiguate(u, "it has been three days and it is still not there", margin=0.3)
    assert verdict is not None and verdict.action == "clarify"
    assert verdict.options == ("deposit-not-arrived", "withdrawal-pending")
    assert verdict.family == "deposit/withdrawal"


def test_a_direction_word_that_agrees_with_the_top_intent_answers():
    u = understanding(("withdrawal-pending", 0.54), ("deposit-not-arrived", 0.39))
    verdict = disambiguate(u, "提币三天了还没到", margin=0.3)
    assert verdict is not None
    assert (verdict.action, verdict.intent) == ("answer", "withdrawal-pending")


def test_the_margin_is_a_setting(settings):
    u = understanding(("tx-stuck-pending", 0.6), ("tx-reverted", 0.35))
    settings.ASSISTANT_CONFUSABLE_MARGIN = 0.3
    assert disambiguate(u, "my transaction").action == "clarify"
    settings.ASSISTANT_CONFUSABLE_MARGIN = 0.2
    assert disambiguate(u, "my transaction") is None


def test_pairs_that_are_not_confusable_or_far_apart_are_left_alone():
    far = understanding(("deposit-not-arrived", 0.9), ("withdrawal-pending", 0.05))
    assert disambiguate(far, "where is it", margin=0.3) is None
    unrelated = understanding(("deposit-not-arrived", 0.5), ("fee-schedule", 0.45))
    assert disambiguate(unrelated, "where is it", margin=0.3) is None
    handoff = understanding(("oos", 0.2), ("withdrawal-pending", 0.1), action="handoff")
    assert disambiguate(handoff, "提币", margin=0.3) is None


def test_the_reply_to_the_question_picks_an_option():
    options = ["deposit-not-arrived", "withdrawal-pending"]
    neutral = understanding(("fee-schedule", 0.5), ("kyc-levels", 0.2))
    assert resolve_reply("提现", options, neutral) == ("withdrawal-pending", 1.0)
    assert resolve_reply("a deposit", options, neutral) == ("deposit-not-arrived", 1.0)
    read = understanding(("withdrawal-pending", 0.7), ("deposit-not-arrived", 0.2))
    assert resolve_reply("the money I took out", options, read) == ("withdrawal-pending", 0.7)
    assert resolve_reply("what are your fees?", options, neutral) is None


def opinion(key: str, semantic: float) -> SearchOpinion:
    return SearchOpinion(key, semantic, semantic, "en")


def test_ranking_combines_model_and_search():
    ranking = selection.rank(
        [IntentScore("deposit-not-arrived", 0.2), IntentScore("kyc-levels", 0.1)],
        [opinion("deposit-wrong-network", 0.86), opinion("deposit-not-arrived", 0.45)],
    )
    # Search alone carries the article it matches strongly; agreement adds up.
    keys = [c.key for c in ranking]
    assert keys == ["deposit-wrong-network", "deposit-not-arrived", "kyc-levels"]
    top = ranking[0]
    assert top.model == 0 and top.semantic == 0.86
    assert top.score == pytest.approx(0.8 * (0.86 - 0.4) / 0.6)
    assert ranking[1].score > 0.2  # the model's 0.2 plus weak search evidence
    assert selection.best_offer(ranking, threshold=0.5).key == "deposit-wrong-network"
    assert selection.best_offer(ranking, exclude=["deposit-wrong-network"], threshold=0.5) is None


def test_ranking_leaves_out_the_other_direction():
    ranking = selection.rank(
        [IntentScore("withdrawal-pending", 0.5), IntentScore("deposit-not-arrived", 0.4)],
        [opinion("deposit-not-arrived", 0.6), opinion("tx-stuck-pending", 0.5)],
        direction="out",
    )
    assert "deposit-not-arrived" not in [c.key for c in ranking]
    assert ranking[0].key == "withdrawal-pending"


def test_nothing_matches_an_unrelated_message(settings):
    settings.ASSISTANT_OFFER_THRESHOLD = 0.5
    # Measured for "what's the weather like in Paris tomorrow" with the starter KB.
    ranking = selection.rank(
        [IntentScore("what-is-gas", 0.12), IntentScore("token-listing", 0.12)],
        [opinion("api-ip-whitelist", 0.10), opinion("verify-official-channels", 0.26)],
    )
    assert selection.best_offer(ranking) is None
    settings.ASSISTANT_OFFER_THRESHOLD = 0.1
    assert selection.best_offer(ranking) is not None


def test_choose_asks_about_a_close_pair_and_answers_by_direction():
    close = understanding(("deposit-not-arrived", 0.5), ("withdrawal-pending", 0.4))
    choice = selection.choose(close, "still not there after three days", answer_threshold=0.5)
    assert (choice.action, choice.pair) == ("clarify", True)
    wrong = understanding(("deposit-not-arrived", 0.8), ("withdrawal-pending", 0.15))
    choice = selection.choose(wrong, "提币三天了还没到", answer_threshold=0.5)
    assert (choice.action, choice.key) == ("answer", "withdrawal-pending")
    assert choice.reason == "direction"
    assert "deposit-not-arrived" not in [c.key for c in choice.ranking]


def test_choose_lets_a_clearly_better_ranked_article_answer():
    def asked(semantic: float) -> selection.Choice:
        u = Understanding(
            "answer",
            "wallet-wrong-network",
            0.55,
            False,
            alternatives=[IntentScore("wallet-wrong-network", 0.55)],
            search=[opinion("supported-networks", semantic)],
        )
        return selection.choose(u, "which network should I pick", answer_threshold=0.5)

    # Search's strong match (0.73) beats the model's lukewarm pick (0.55) by the gap.
    strong = asked(0.95)
    assert (strong.action, strong.key, strong.reason) == ("answer", "supported-networks", "ranking")
    assert strong.confidence == pytest.approx(0.8 * 0.55 / 0.6)
    # Within the gap the model's pick stays.
    close = asked(0.85)
    assert (close.key, close.reason) == ("wallet-wrong-network", "")
