"""The priority score and the rules as pure functions of the facts: every reason, its
points, the clock for waiting time, and how a score maps to a priority."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import translation

from blockdesk.triage import scoring
from blockdesk.triage.facts import Amount, Facts, value_of
from blockdesk.triage.reasons import reason_text
from blockdesk.triage.rules import Actions, Conditions, matches

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def _codes(score: scoring.Score) -> dict[str, int]:
    return {r.code: r.points for r in score.reasons}


def _texts(score: scoring.Score) -> list[str]:
    with translation.override("en"):
        return [reason_text(r.as_dict()) for r in score.reasons]


def test_a_plain_question_scores_zero():
    score = scoring.compute(Facts(), now=NOW)
    assert (score.score, score.urgency, score.complexity, score.reasons) == (0, 0, 0, ())
    assert scoring.priority_for(0, urgent_at=60, high_at=30) is None


def test_every_urgency_reason_with_its_words():
    facts = Facts(
        amounts=(Amount(Decimal(12000), "USDT", Decimal(12000)),),
        security=("seed_phrase",),
        distressed=True,
        waiting_since=NOW - dt.timedelta(minutes=40),
        tier="vip",
    )
    score = scoring.compute(facts, now=NOW, vip_tiers=frozenset({"vip"}))
    assert _codes(score) == {
        "secret_exposed": 40,
        "funds_at_stake": 20,
        "distressed": 10,
        "waiting": 10,
        "vip": 15,
    }
    assert score.urgency == 95 and score.score == 95
    assert _texts(score) == [
        "security: seed phrase exposed",
        "funds at stake ≈ 12,000 USDT",
        "VIP (vip)",
        "customer distressed",
        "waiting 40 min",
    ]


def test_waiting_follows_the_clock():
    facts = Facts(waiting_since=NOW)
    for minutes, points in ((0, 0), (14, 0), (15, 5), (30, 10), (59, 10), (60, 15), (240, 20)):
        score = scoring.compute(facts, now=NOW + dt.timedelta(minutes=minutes))
        assert _codes(score).get("waiting", 0) == points, minutes
    with translation.override("en"):
        late = scoring.compute(facts, now=NOW + dt.timedelta(hours=5))
        assert reason_text(late.reasons[0].as_dict()) == "waiting 5 hours"


def test_angry_counts_once_and_more_than_distressed():
    assert _codes(scoring.compute(Facts(angry=True, distressed=True), now=NOW)) == {"angry": 15}


def test_funds_in_another_token_show_their_value():
    facts = Facts(amounts=(Amount(Decimal("0.5"), "BTC", Decimal("30000.00")),))
    score = scoring.compute(facts, now=NOW)
    assert _codes(score) == {"funds_at_stake": 20}
    with translation.override("en"):
        assert _texts(score) == ["funds at stake ≈ 0.5 BTC (30,000)"]


def test_amounts_without_a_reference_price_earn_nothing():
    facts = Facts(amounts=(Amount(Decimal(5_000_000), "SHIB", None),))
    assert scoring.compute(facts, now=NOW).reasons == ()
    assert value_of(Decimal(2), "btc", {"BTC": "60000"}) == Decimal("120000.00")
    assert value_of(Decimal(2), "ETH", {"BTC": "60000"}) is None


def test_complexity_reasons_and_their_weight():
    facts = Facts(
        intent="withdrawal-wrong-address",
        chains=frozenset({"ethereum", "tron", "bsc"}),
        tx_hashes=frozenset({"0xa", "0xb"}),
        diagnosis="failed",
        exchanges=7,
        handoff_reason="low_confidence",
    )
    score = scoring.compute(facts, now=NOW)
    assert _codes(score) == {
        "intent": 15,
        "intent_complex": 30,
        "chains": 20,
        "transactions": 10,
        "diagnosis": 20,
        "exchanges": 10,
        "assistant_failed": 10,
    }
    assert score.urgency == 15 and score.complexity == 100
    assert score.score == 15 + 25  # complexity counts a quarter
    with translation.override("en"):
        assert "3 chains involved" in _texts(score)
        assert "transaction check: failed" in _texts(score)


def test_sensitive_topics_are_security_signals():
    score = scoring.compute(Facts(security=("account_compromised",)), now=NOW)
    assert _codes(score) == {"sensitive": 30}
    with translation.override("en"):
        assert _texts(score) == ["security: account compromised"]


def test_scores_are_capped_and_map_to_priorities():
    facts = Facts(
        security=("private_key", "funds_stolen_or_missing"),
        amounts=(Amount(Decimal(1), "BTC", Decimal(200_000)),),
        angry=True,
        waiting_since=NOW - dt.timedelta(hours=5),
    )
    score = scoring.compute(facts, now=NOW)
    assert score.urgency == 100 and score.score == 100
    assert scoring.priority_for(100, urgent_at=60, high_at=30) == 0
    assert scoring.priority_for(59, urgent_at=60, high_at=30) == 1
    assert scoring.priority_for(30, urgent_at=60, high_at=30) == 1
    assert scoring.priority_for(29, urgent_at=60, high_at=30) is None


# --- rules ---------------------------------------------------------------------------


def test_an_empty_rule_matches_nothing():
    assert Conditions().is_empty() and not matches(Conditions(), Facts())
    assert Actions().is_empty()


def test_every_condition_must_hold_and_lists_are_any_of():
    facts = Facts(
        intent="withdrawal-pending",
        amounts=(Amount(Decimal(2000), "USDT", Decimal(2000)),),
        chains=frozenset({"tron"}),
        mood="negative",
        distressed=True,
        tier="gold",
        channel="web_widget",
        inbox_id=7,
        customer_text="My funds were STOLEN yesterday",
        security=("funds_stolen_or_missing",),
    )
    full = Conditions(
        intent=["Withdrawal-Pending", "deposit-not-arrived"],
        amount_gte=Decimal(1000),
        chain=["tron", "ethereum"],
        mood=["distressed"],
        tier=["gold"],
        channel=["web_widget"],
        inbox=[7],
        keyword=["stolen"],
        security=True,
    )
    assert matches(full, facts)
    for change in (
        {"intent": ["kyc-rejected"]},
        {"amount_gte": Decimal("2000.01")},
        {"chain": ["bitcoin"]},
        {"mood": ["angry"]},
        {"tier": ["vip"]},
        {"channel": ["email"]},
        {"inbox": [8]},
        {"keyword": ["hacked"]},
    ):
        assert not matches(full.model_copy(update=change), facts), change
    assert not matches(Conditions(security=True), Facts())
    assert matches(Conditions(mood=["negative"]), facts)
