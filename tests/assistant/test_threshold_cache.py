"""A loaded model reads each risk setting's thresholds off its curve once: the assistant
asks on every turn, and the curve's scan is a loop over its grid."""

from __future__ import annotations

from typing import Any

from blockdesk.assistant.nlu.model import IntentModel


class _Counting:
    def __init__(self, curve: Any) -> None:
        self.curve = curve
        self.calls = 0

    def answer_threshold(self, target: float) -> float:
        self.calls += 1
        return float(self.curve.answer_threshold(target))

    def clarify_threshold(self, target: float) -> float:
        return float(self.curve.clarify_threshold(target))


def test_thresholds_are_read_once_per_risk_setting(crypto_model: IntentModel) -> None:
    model = crypto_model.with_threshold(crypto_model.threshold)  # a fresh copy
    counting = _Counting(model.curve)
    model.curve = counting  # type: ignore[assignment]
    first = model.thresholds_for("balanced")
    assert first == crypto_model.thresholds_for("balanced")
    for _ in range(5):
        assert model.thresholds_for("balanced") == first
    model.thresholds_for("precision-first")
    assert counting.calls == 2
