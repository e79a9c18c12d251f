"""Queueing formulas for staffing: Erlang C (M/M/n) and Erlang A (M/M/n+M, Palm).

Why our own code: the formulas are a few lines, and the PyPI packages for them
(`pyworkforce`, `erlang`) are thin, little-kept wrappers that pull in more than they add.
Written for numerical stability at any traffic: Erlang B comes from its recursion
(every intermediate value lies in [0, 1], so nothing overflows at 2,000 calls an hour
or 200,000), Erlang A's stationary law is summed in log space.

Units: rates per second, times in seconds. `traffic` A = arrivals/s × AHT (erlangs).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from scipy.special import gammaln, logsumexp

# Agents searched at most this far above the offered load before giving up (a target
# of 1.0 or an answer time of 0 can never be met exactly).
_SEARCH_LIMIT = 100_000
# Queue lengths modelled in Erlang A; beyond, the target is hopeless anyway.
_MAX_QUEUE = 3_000
# Uniformisation steps × states allowed for one Erlang A service level.
_MAX_UNIFORM_WORK = 20_000_000


class StaffingInputError(ValueError):
    """An input no queue can have (negative rate, zero handle time, target outside (0, 1))."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class QueueFigures:
    agents: int
    service_level: float  # share of arrivals answered within the target time
    occupancy: float  # share of agents' time busy with contacts
    asa_seconds: float  # mean time in queue over all arrivals
    wait_probability: float  # share that waits at all
    abandon_rate: float = 0.0  # Erlang A only

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def traffic_erlangs(*, arrivals_per_hour: float, aht_seconds: float) -> float:
    return arrivals_per_hour * aht_seconds / 3600.0


def erlang_b(*, agents: int, traffic: float) -> float:
    """Blocking probability of M/M/n/n by the recursion B(k) = A·B(k-1) / (k + A·B(k-1))."""
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(*, agents: int, traffic: float) -> float:
    """Probability that an arrival waits (M/M/n); 1.0 when the queue is unstable (n ≤ A)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = erlang_b(agents=agents, traffic=traffic)
    return agents * b / (agents - traffic * (1.0 - b))


def erlang_c_figures(
    *, agents: int, arrivals_per_hour: float, aht_seconds: float, answer_within_seconds: float
) -> QueueFigures:
    traffic = traffic_erlangs(arrivals_per_hour=arrivals_per_hour, aht_seconds=aht_seconds)
    if traffic <= 0:
        return QueueFigures(agents, 1.0, 0.0, 0.0, 0.0)
    if agents <= traffic:
        return QueueFigures(agents, 0.0, 1.0, math.inf, 1.0)
    pw = erlang_c(agents=agents, traffic=traffic)
    spare = agents - traffic
    sl = 1.0 - pw * math.exp(-spare * answer_within_seconds / aht_seconds)
    asa = pw * aht_seconds / spare
    return QueueFigures(agents, sl, traffic / agents, asa, pw)


def erlang_a_figures(
    *,
    agents: int,
    arrivals_per_hour: float,
    aht_seconds: float,
    answer_within_seconds: float,
    patience_seconds: float,
) -> QueueFigures:
    """M/M/n+M: customers leave after an exponential patience with this mean.

    Service level = share of arrivals answered within the target (an arrival that
    abandons is not answered), computed exactly from the queue's birth-death chain: an
    arrival finding j ahead is answered by t if the j+1 phases ahead of it (each ending at
    rate n·μ + i·θ) end before t and before its own patience.
    """
    lam = arrivals_per_hour / 3600.0
    mu = 1.0 / aht_seconds
    theta = 1.0 / patience_seconds
    n = agents
    if lam <= 0:
        return QueueFigures(agents, 1.0, 0.0, 0.0, 0.0)
    if n <= 0:
        return QueueFigures(agents, 0.0, 0.0, patience_seconds, 1.0, 1.0)
    log_a = math.log(lam / mu)
    ks = np.arange(n + 1)
    log_low = ks * log_a - gammaln(ks + 1)  # states 0..n, up to a common constant
    # Queue states n+j: p_{n+j} = p_n · Π_{i=1..j} λ / (nμ + iθ); stop when negligible.
    tail: list[float] = []
    logp = float(log_low[-1])
    j = 0
    while True:
        j += 1
        logp += math.log(lam / (n * mu + j * theta))
        tail.append(logp)
        if (logp < float(log_low.max()) - 40 and lam < n * mu + j * theta) or j >= _MAX_QUEUE:
            break  # past _MAX_QUEUE (far too few agents) the rest counts as never answered
    log_all = np.concatenate([log_low, np.array(tail)])
    probs = np.exp(log_all - logsumexp(log_all))
    low, queue = probs[: n + 1], probs[n + 1 :]
    in_queue = np.arange(1, len(queue) + 1)
    mean_queue = float((queue * in_queue).sum())
    busy = float((low * ks).sum()) + n * float(queue.sum())
    # An arrival (PASTA) in state n+j has j ahead of it; state n means 0 ahead.
    ahead = np.concatenate([[probs[n]], queue])
    answered_by_t = _answered_within(
        n=n, mu=mu, theta=theta, ahead=len(ahead), t=answer_within_seconds
    )
    sl = float(low[:n].sum()) + float((ahead * answered_by_t).sum())
    abandon = theta * mean_queue / lam
    return QueueFigures(
        agents=agents,
        service_level=min(sl, 1.0),
        occupancy=busy / n,
        asa_seconds=mean_queue / lam,  # Little's law over all arrivals
        wait_probability=float(ahead.sum()),
        abandon_rate=abandon,
    )


def _answered_within(*, n: int, mu: float, theta: float, ahead: int, t: float) -> np.ndarray:
    """P(answered by t) for an arrival with j = 0..ahead-1 customers ahead of it.

    States: j ahead, then "answered". Leaving j: a phase ends at n·μ + j·θ (to j-1, or
    answered from 0); the arrival's own patience ends at θ (lost). Solved by
    uniformisation: the chain is bidiagonal, so each step is O(states).
    """
    if t <= 0:
        return np.zeros(ahead)
    rates = n * mu + np.arange(ahead) * theta
    # Answered at all (t = ∞): every phase ends before the arrival's patience.
    ever = np.cumprod(rates / (rates + theta))
    # Beyond where even that is negligible, nothing is answered: fewer states to solve.
    states = int(np.searchsorted(-ever, -1e-12)) or 1
    result = np.zeros(ahead)
    phases = 1.0 / rates[:states]
    if t >= phases.sum() + 10.0 * math.sqrt(float((phases**2).sum())):
        # t is far past the slowest path's wait (mean + 10 sd): answered by t = at all.
        result[:states] = ever[:states]
        return result
    uniform = float(rates[states - 1]) + theta
    mean = uniform * t
    terms = int(mean + 10 * math.sqrt(mean) + 20)
    if terms * states > _MAX_UNIFORM_WORK:
        # Not reached by realistic inputs (a long answer time with a huge, impatient
        # queue); the answered-at-all bound keeps the cost bounded.
        result[:states] = ever[:states]
        return result
    stay = 1.0 - (rates[:states] + theta) / uniform
    move = rates[:states] / uniform
    ks = np.arange(terms + 1)
    weights = np.exp(ks * math.log(mean) - mean - gammaln(ks + 1))
    # u_k[j] = P(answered within k uniformised steps | j ahead); u_0 = 0.
    u = np.zeros(states)
    total = np.zeros(states)
    below = np.empty(states)
    for k in range(1, terms + 1):
        below[0] = 1.0  # from 0 ahead a phase end is the answer
        below[1:] = u[:-1]
        u = stay * u + move * below
        total += weights[k] * u
    result[:states] = total
    return result


def agents_for_service_level(
    *,
    arrivals_per_hour: float,
    aht_seconds: float,
    service_level: float,
    answer_within_seconds: float,
    patience_seconds: float | None = None,
    concurrency: int = 1,
) -> QueueFigures:
    """Fewest agents meeting the target (Erlang C, or Erlang A with a patience time).

    Chat concurrency: an agent holding `concurrency` chats is `concurrency` servers whose
    handle time is the measured (longer) one of a chat handled alongside others, so the
    queue is solved for slots and the agents are the slots divided by the concurrency.
    """
    check_inputs(
        arrivals_per_hour=arrivals_per_hour,
        aht_seconds=aht_seconds,
        service_level=service_level,
        answer_within_seconds=answer_within_seconds,
        patience_seconds=patience_seconds,
        concurrency=concurrency,
    )

    def figures(slots: int) -> QueueFigures:
        if patience_seconds is None:
            return erlang_c_figures(
                agents=slots,
                arrivals_per_hour=arrivals_per_hour,
                aht_seconds=aht_seconds,
                answer_within_seconds=answer_within_seconds,
            )
        return erlang_a_figures(
            agents=slots,
            arrivals_per_hour=arrivals_per_hour,
            aht_seconds=aht_seconds,
            answer_within_seconds=answer_within_seconds,
            patience_seconds=patience_seconds,
        )

    traffic = traffic_erlangs(arrivals_per_hour=arrivals_per_hour, aht_seconds=aht_seconds)
    if traffic == 0:
        return QueueFigures(0, 1.0, 0.0, 0.0, 0.0)
    # The service level grows with the agents: double up to a staffing that meets the
    # target, then bisect. Erlang C needs n > A to have a queue at all.
    low = math.floor(traffic)  # Erlang C: fails the target (no queue at all)
    high = low + 1
    found = figures(high)
    if patience_seconds is not None:
        # Erlang A is stable at any staffing: the answer may lie below the load.
        low = 0
    while found.service_level < service_level:
        low, high = high, high * 2
        if high > _SEARCH_LIMIT + traffic:
            raise StaffingInputError("service_level", _("The target cannot be reached."))
        found = figures(high)
    while high - low > 1:
        middle = (low + high) // 2
        candidate = figures(middle)
        if candidate.service_level >= service_level:
            high, found = middle, candidate
        else:
            low = middle
    slots = high
    if concurrency == 1:
        return found
    agents = math.ceil(slots / concurrency)
    return QueueFigures(
        agents,
        found.service_level,
        found.occupancy,
        found.asa_seconds,
        found.wait_probability,
        found.abandon_rate,
    )


def agents_with_shrinkage(*, agents: int, shrinkage: float) -> int:
    """Agents to schedule so `agents` are on the queue when a share is away (breaks,
    training, absence): ceil(agents / (1 - shrinkage))."""
    # Rounded first so 14 / 0.7 = 20.000000000000004 stays 20.
    return math.ceil(round(agents / (1.0 - shrinkage), 9))


def check_inputs(
    *,
    arrivals_per_hour: float,
    aht_seconds: float,
    service_level: float,
    answer_within_seconds: float,
    patience_seconds: float | None = None,
    concurrency: int = 1,
    shrinkage: float | None = None,
) -> None:
    def finite(value: float) -> bool:
        return isinstance(value, int | float) and math.isfinite(value)

    if not finite(arrivals_per_hour) or arrivals_per_hour < 0:
        raise StaffingInputError("arrivals_per_hour", _("Arrivals per hour must be 0 or more."))
    if not finite(aht_seconds) or aht_seconds <= 0:
        raise StaffingInputError("aht_seconds", _("The average handle time must be above 0."))
    if not finite(service_level) or not 0 < service_level < 1:
        raise StaffingInputError(
            "service_level", _("The service level must be between 0 and 1 (exclusive).")
        )
    if not finite(answer_within_seconds) or answer_within_seconds < 0:
        raise StaffingInputError(
            "answer_within_seconds", _("The answer time must be 0 seconds or more.")
        )
    if patience_seconds is not None and (not finite(patience_seconds) or patience_seconds <= 0):
        raise StaffingInputError("patience_seconds", _("The patience time must be above 0."))
    if not isinstance(concurrency, int) or concurrency < 1:
        raise StaffingInputError("concurrency", _("Concurrency must be 1 or more."))
    if shrinkage is not None and (not finite(shrinkage) or not 0 <= shrinkage < 1):
        raise StaffingInputError("shrinkage", _("Shrinkage must be at least 0 and below 1."))
