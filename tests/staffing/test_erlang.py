"""Erlang C / A against published examples and an independent exact computation."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from blockdesk.staffing import erlang


def exact_erlang_c(agents: int, traffic: Fraction) -> Fraction:
    """The textbook formula term by term in exact rationals (independent of the recursion):
    C = (A^n/n! · n/(n-A)) / (Σ_{k<n} A^k/k! + A^n/n! · n/(n-A))."""
    top = traffic**agents / math.factorial(agents) * Fraction(agents) / (agents - traffic)
    bottom = sum(traffic**k / math.factorial(k) for k in range(agents)) + top
    return top / bottom


@pytest.mark.parametrize(
    ("agents", "arrivals", "aht"),
    [(11, 200, 180), (13, 200, 180), (14, 200, 180), (17, 200, 240), (60, 1000, 190)],
)
def test_erlang_c_matches_the_exact_formula(agents, arrivals, aht):
    traffic = Fraction(arrivals * aht, 3600)
    got = erlang.erlang_c(agents=agents, traffic=float(traffic))
    assert got == pytest.approx(float(exact_erlang_c(agents, traffic)), rel=1e-12)


def test_call_centre_helper_worked_example():
    # callcentrehelper.com, "Erlang C Formula – Made Simple With an Easy Worked Example":
    # 100 calls in 30 minutes, AHT 180 s, 80 % answered in 20 s, 30 % shrinkage →
    # 14 agents (13 give 79.6 %, 14 give 88.8 %), 20 with shrinkage.
    found = erlang.agents_for_service_level(
        arrivals_per_hour=200, aht_seconds=180, service_level=0.8, answer_within_seconds=20
    )
    assert found.agents == 14
    assert found.service_level == pytest.approx(0.8884, abs=1e-4)
    assert found.occupancy == pytest.approx(10 / 14)
    assert found.asa_seconds == pytest.approx(7.8, abs=0.05)
    below = erlang.erlang_c_figures(
        agents=13, arrivals_per_hour=200, aht_seconds=180, answer_within_seconds=20
    )
    assert below.service_level == pytest.approx(0.7956, abs=1e-4)
    assert erlang.agents_with_shrinkage(agents=14, shrinkage=0.3) == 20


def test_large_traffic_is_stable_and_fast():
    # 2,000 an hour at 240 s = 133.3 Erlangs: A^n/n! alone would overflow a float.
    found = erlang.agents_for_service_level(
        arrivals_per_hour=2000, aht_seconds=240, service_level=0.8, answer_within_seconds=20
    )
    assert found.agents == 142
    traffic = Fraction(2000 * 240, 3600)
    exact = exact_erlang_c(142, traffic)
    assert found.wait_probability == pytest.approx(float(exact), rel=1e-10)
    assert 0.8 <= found.service_level < 0.9
    huge = erlang.agents_for_service_level(
        arrivals_per_hour=200_000, aht_seconds=240, service_level=0.8, answer_within_seconds=20
    )
    assert 13_334 <= huge.agents < 13_500
    assert all(math.isfinite(v) for v in (huge.service_level, huge.asa_seconds))


def test_minimal_staffing_is_minimal():
    for arrivals, aht, target, within in [(50, 300, 0.9, 30), (700, 420, 0.8, 60)]:
        found = erlang.agents_for_service_level(
            arrivals_per_hour=arrivals,
            aht_seconds=aht,
            service_level=target,
            answer_within_seconds=within,
        )
        fewer = erlang.erlang_c_figures(
            agents=found.agents - 1,
            arrivals_per_hour=arrivals,
            aht_seconds=aht,
            answer_within_seconds=within,
        )
        assert found.service_level >= target > fewer.service_level


def test_unstable_queue_never_meets_a_target():
    figures = erlang.erlang_c_figures(
        agents=10, arrivals_per_hour=200, aht_seconds=180, answer_within_seconds=20
    )
    assert figures.service_level == 0.0 and figures.asa_seconds == math.inf


def test_erlang_a_tends_to_erlang_c_with_endless_patience():
    kwargs = {"arrivals_per_hour": 200, "aht_seconds": 180, "answer_within_seconds": 20}
    for agents in (12, 14, 16):
        c = erlang.erlang_c_figures(agents=agents, **kwargs)
        a = erlang.erlang_a_figures(agents=agents, patience_seconds=1e9, **kwargs)
        assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
        assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-4)
        assert a.abandon_rate < 1e-6


def test_erlang_a_impatience_lowers_the_need_and_shows_abandons():
    kwargs = {"arrivals_per_hour": 200, "aht_seconds": 180, "answer_within_seconds": 20}
    patient = erlang.agents_for_service_level(service_level=0.8, **kwargs)
    quick = erlang.agents_for_service_level(service_level=0.8, patience_seconds=60, **kwargs)
    assert quick.agents < patient.agents
    assert 0 < quick.abandon_rate < 0.2
    # Below the load Erlang C has no steady state, Erlang A does (customers leave).
    few = erlang.erlang_a_figures(agents=8, patience_seconds=60, **kwargs)
    assert 0 < few.service_level < 0.8 and few.abandon_rate > 0.1
    assert few.occupancy <= 1.0


def test_erlang_a_single_agent_matches_the_closed_form():
    # M/M/1+M with patience = AHT: the queue states have rates λ in, (μ + jθ) = (j+1)μ out,
    # so p_k = p_0 A^k / k! (like infinitely many servers): the wait probability is
    # P(k ≥ 1) = 1 - e^{-A} and the mean queue Σ (k-1) p_k = A - 1 + e^{-A}.
    aht = 300.0
    traffic = 0.6
    got = erlang.erlang_a_figures(
        agents=1,
        arrivals_per_hour=traffic * 3600 / aht,
        aht_seconds=aht,
        answer_within_seconds=0,
        patience_seconds=aht,
    )
    assert got.wait_probability == pytest.approx(1 - math.exp(-traffic), rel=1e-9)
    lam = traffic / aht
    assert got.asa_seconds == pytest.approx((traffic - 1 + math.exp(-traffic)) / lam, rel=1e-9)
    assert got.service_level == pytest.approx(math.exp(-traffic), rel=1e-9)


def test_chat_concurrency_divides_the_slots():
    one = erlang.agents_for_service_level(
        arrivals_per_hour=300, aht_seconds=600, service_level=0.8, answer_within_seconds=60
    )
    three = erlang.agents_for_service_level(
        arrivals_per_hour=300,
        aht_seconds=600,
        service_level=0.8,
        answer_within_seconds=60,
        concurrency=3,
    )
    assert three.agents == math.ceil(one.agents / 3)


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("arrivals_per_hour", {"arrivals_per_hour": -1}),
        ("aht_seconds", {"aht_seconds": 0}),
        ("service_level", {"service_level": 1.0}),
        ("service_level", {"service_level": 0}),
        ("service_level", {"service_level": float("nan")}),
        ("answer_within_seconds", {"answer_within_seconds": -5}),
        ("patience_seconds", {"patience_seconds": 0}),
        ("concurrency", {"concurrency": 0}),
    ],
)
def test_bad_inputs_are_refused(field, kwargs):
    base = {
        "arrivals_per_hour": 200,
        "aht_seconds": 240,
        "service_level": 0.8,
        "answer_within_seconds": 20,
    } | kwargs
    with pytest.raises(erlang.StaffingInputError) as caught:
        erlang.agents_for_service_level(**base)
    assert caught.value.field == field


def test_shrinkage_rounds_up_and_no_arrivals_need_no_one():
    assert erlang.agents_with_shrinkage(agents=17, shrinkage=0.3) == 25
    assert erlang.agents_with_shrinkage(agents=17, shrinkage=0.0) == 17
    none = erlang.agents_for_service_level(
        arrivals_per_hour=0, aht_seconds=240, service_level=0.8, answer_within_seconds=20
    )
    assert none.agents == 0


def simulate_erlang_a(*, agents, arrivals_per_hour, aht, patience, within, customers, seed):
    """First-come-first-served M/M/n+M by each arrival's offered wait (the time until the
    earliest server is free for it): exact for FCFS, and independent of the formulas."""
    import heapq

    import numpy as np

    rng = np.random.default_rng(seed)
    gaps = rng.exponential(3600 / arrivals_per_hour, customers)
    services = rng.exponential(aht, customers)
    patiences = rng.exponential(patience, customers)
    free = [0.0] * agents
    now = answered_in_time = abandoned = 0
    for gap, service, limit in zip(gaps, services, patiences, strict=True):
        now += gap
        wait = max(0.0, free[0] - now)
        if wait > limit:
            abandoned += 1
            continue
        answered_in_time += wait <= within
        heapq.heapreplace(free, now + wait + service)
    return answered_in_time / customers, abandoned / customers


@pytest.mark.parametrize(("agents", "patience"), [(12, 60.0), (10, 120.0), (14, 300.0)])
def test_erlang_a_agrees_with_a_simulation(agents, patience):
    kwargs = {"arrivals_per_hour": 200, "answer_within_seconds": 20}
    exact = erlang.erlang_a_figures(
        agents=agents, aht_seconds=180, patience_seconds=patience, **kwargs
    )
    sl, abandoned = simulate_erlang_a(
        agents=agents, arrivals_per_hour=200, aht=180, patience=patience, within=20,
        customers=300_000, seed=1,
    )  # fmt: skip
    assert exact.service_level == pytest.approx(sl, abs=0.015)  # heavy load: slow mixing
    assert exact.abandon_rate == pytest.approx(abandoned, abs=0.01)


def test_long_answer_times_with_patience_stay_quick():
    import time

    started = time.process_time()
    email = erlang.agents_for_service_level(
        arrivals_per_hour=500,
        aht_seconds=600,
        service_level=0.8,
        answer_within_seconds=4 * 3600,
        patience_seconds=3600,
    )
    assert time.process_time() - started < 2.0
    assert 0 < email.agents < 84 and email.service_level >= 0.8
