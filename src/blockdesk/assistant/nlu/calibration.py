"""Calibration measurements and the thresholds a risk setting picks from them.

The model's probabilities are temperature-scaled on out-of-fold scores (every training
row scored by a model that did not see it: the held-out calibration split, cross-fitted
so that no intent loses examples). From the same held-out predictions we keep an
*operating curve*: for each probability threshold, the share of messages the assistant
would answer and how many of those answers would be right. A risk setting is a target
precision; its thresholds are read off the curve rather than guessed.

Expected calibration error (ECE) here is the usual top-label, equal-width-bin
estimate (Guo et al., 2017): sum over bins of |accuracy - mean confidence| weighted by
the bin's share of messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "RISK_TARGETS",
    "OperatingCurve",
    "ReliabilityBin",
    "expected_calibration_error",
    "reliability_table",
]

# Risk setting -> target precision of the assistant's answers (and of the "the right
# article is among the options" rate for clarifying questions). Precision first is the
# default: a wrong answer about money costs the customer money.
RISK_TARGETS: dict[str, float] = {
    "precision-first": 0.95,
    "balanced": 0.90,
    "coverage-first": 0.80,
}


@dataclass(frozen=True)
class ReliabilityBin:
    lower: float
    upper: float
    count: int
    confidence: float  # mean predicted probability in the bin
    accuracy: float  # share right in the bin


def _bins(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    # Right-closed bins (0, 0.1], ..., (0.9, 1.0]; a confidence of exactly 0 joins the first.
    return np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)


def reliability_table(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    n_bins: int = 10,
) -> list[ReliabilityBin]:
    """The reliability curve as a table (empty bins left out)."""
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    if conf.shape != ok.shape:
        raise ValueError("confidence and correct must have the same length")
    which = _bins(conf, n_bins)
    out = []
    for b in range(n_bins):
        mask = which == b
        if mask.any():
            out.append(
                ReliabilityBin(
                    lower=b / n_bins,
                    upper=(b + 1) / n_bins,
                    count=int(mask.sum()),
                    confidence=float(conf[mask].mean()),
                    accuracy=float(ok[mask].mean()),
                )
            )
    return out


def expected_calibration_error(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    n_bins: int = 10,
) -> float:
    total = len(np.asarray(confidence))
    if total == 0:
        raise ValueError("no predictions")
    return float(
        sum(
            b.count / total * abs(b.accuracy - b.confidence)
            for b in reliability_table(confidence, correct, n_bins)
        )
    )


@dataclass(frozen=True)
class OperatingCurve:
    """Held-out answer precision and coverage by probability threshold.

    ``precision[i]``: of held-out messages whose top probability is >= ``thresholds[i]``,
    the share whose top intent was right (an out-of-scope message is never right);
    ``top2[i]``: the share whose right intent was among the top two (what a clarifying
    question offers); ``coverage[i]``: the share of all messages at or above it."""

    thresholds: tuple[float, ...]
    precision: tuple[float, ...]
    top2: tuple[float, ...]
    coverage: tuple[float, ...]

    @classmethod
    def from_predictions(
        cls,
        confidence: np.ndarray,
        correct: np.ndarray,
        correct_top2: np.ndarray,
        grid: int = 101,
    ) -> OperatingCurve:
        conf = np.asarray(confidence, dtype=np.float64)
        ok = np.asarray(correct, dtype=bool)
        ok2 = np.asarray(correct_top2, dtype=bool) | ok
        ts, prec, top2, cov = [], [], [], []
        for t in np.linspace(0.0, 1.0, grid):
            kept = conf >= t
            n = int(kept.sum())
            ts.append(round(float(t), 4))
            cov.append(n / max(1, len(conf)))
            # No message above t: nothing would be answered wrongly.
            prec.append(float(ok[kept].mean()) if n else 1.0)
            top2.append(float(ok2[kept].mean()) if n else 1.0)
        return cls(tuple(ts), tuple(prec), tuple(top2), tuple(cov))

    def _lowest_reaching(self, values: Sequence[float], target: float) -> float:
        """The lowest threshold from which every higher one also reaches ``target``
        (precision is not monotone in the threshold on a finite sample; taking the
        first crossing could land in a lucky dip)."""
        best = 1.0
        for t, v in zip(reversed(self.thresholds), reversed(values), strict=True):
            if v < target:
                break
            best = t
        return best

    def answer_threshold(self, target_precision: float) -> float:
        return self._lowest_reaching(self.precision, target_precision)

    def clarify_threshold(self, target_precision: float) -> float:
        """Below this, even offering the top two intents is too often wrong: hand off."""
        return min(
            self._lowest_reaching(self.top2, target_precision),
            self.answer_threshold(target_precision),
        )

    def at(self, threshold: float) -> tuple[float, float]:
        """(precision, coverage) at the grid point at or just below ``threshold``."""
        i = max(0, int(np.searchsorted(self.thresholds, threshold, side="right")) - 1)
        return self.precision[i], self.coverage[i]
