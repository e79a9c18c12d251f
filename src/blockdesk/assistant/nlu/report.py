"""Error analysis of the intent model on a labelled set: accuracy per intent, the pairs
of intents it mixes up (from the confusion matrix), calibration, and what each risk
setting would do. Used by ``bench/assistant_eval.py crypto`` and the docs' tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .calibration import RISK_TARGETS, expected_calibration_error, reliability_table
from .datasets import OOS_LABEL, Example
from .model import IntentModel, Prediction

__all__ = ["ConfusedPair", "analyse", "confused_pairs", "per_intent_accuracy"]


@dataclass(frozen=True)
class ConfusedPair:
    a: str
    b: str
    a_as_b: int  # gold a, top intent b
    b_as_a: int

    @property
    def total(self) -> int:
        return self.a_as_b + self.b_as_a


def per_intent_accuracy(gold: Sequence[str], top: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Intent -> (right, total) of the top in-scope intent (refusals not counted: this
    measures which intent the model believes, the thresholds are judged separately)."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for g, t in zip(gold, top, strict=True):
        total[g] += 1
        right[g] += g == t
    return {k: (right[k], total[k]) for k in sorted(total)}


def confused_pairs(gold: Sequence[str], top: Sequence[str]) -> list[ConfusedPair]:
    """Unordered pairs of in-scope intents the model mixed up, most errors first."""
    errors: Counter[tuple[str, str]] = Counter(
        (g, t) for g, t in zip(gold, top, strict=True) if g != t and g != OOS_LABEL
    )
    pairs: dict[tuple[str, str], ConfusedPair] = {}
    for (g, t), n in errors.items():
        a, b = sorted((g, t))
        old = pairs.get((a, b), ConfusedPair(a, b, 0, 0))
        pairs[(a, b)] = (
            ConfusedPair(a, b, old.a_as_b + n, old.b_as_a)
            if g == a
            else ConfusedPair(a, b, old.a_as_b, old.b_as_a + n)
        )
    return sorted(pairs.values(), key=lambda p: (-p.total, p.a, p.b))


def _decide(p: Prediction, answer: float) -> str:
    return OOS_LABEL if p.is_oos or p.confidence < answer else p.top[0].intent


def analyse(model: IntentModel, examples: Sequence[Example]) -> dict[str, Any]:
    """Everything the docs report about one labelled set."""
    gold = [e.intent for e in examples]
    preds = model.predict_batch([e.text for e in examples], k=2)
    top = [p.top[0].intent for p in preds]
    conf = np.array([p.confidence for p in preds])
    correct = np.array([g == t for g, t in zip(gold, top, strict=True)])
    in_scope = np.array([g != OOS_LABEL for g in gold])
    risks: dict[str, Any] = {}
    for risk in RISK_TARGETS:
        thresholds = model.thresholds_for(risk)
        if thresholds is None:
            continue
        answer, clarify = thresholds
        decided = [_decide(p, answer) for p in preds]
        answered = np.array([d != OOS_LABEL for d in decided])
        right = np.array([d == g for d, g in zip(decided, gold, strict=True)])
        risks[risk] = {
            "answer_threshold": answer,
            "clarify_threshold": clarify,
            "answered": float(answered.mean()),
            "answer_precision": float(right[answered].mean()) if answered.any() else None,
            "in_scope_answered_right": float(right[in_scope].mean()) if in_scope.any() else None,
            "oos_recall": float((~answered[~in_scope]).mean()) if (~in_scope).any() else None,
        }
    return {
        "n": len(examples),
        "top1_in_scope": float(correct[in_scope].mean()) if in_scope.any() else None,
        "per_intent": per_intent_accuracy(gold, top),
        "pairs": confused_pairs(gold, top),
        # Over every message: an out-of-scope one is never right, whatever its confidence.
        "ece": expected_calibration_error(conf, correct),
        "reliability": reliability_table(conf, correct),
        "risks": risks,
    }
