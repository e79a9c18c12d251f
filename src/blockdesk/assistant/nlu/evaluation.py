"""Evaluation of the intent model on a labelled test file."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from blockdesk.common.embeddings import get_embedder

from .calibration import expected_calibration_error
from .datasets import OOS_LABEL, Example, load_examples
from .model import IntentModel, ModelConfig
from .training import default_config

__all__ = ["compute_metrics", "measure_latency", "run_eval"]


def compute_metrics(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 (over the gold labels, ``oos`` included when present),
    in-scope accuracy (refusing an in-scope message counts as wrong, as in CLINC150),
    and out-of-scope precision/recall (None when the test set has no oos rows)."""
    g = np.asarray(gold, dtype=object)
    p = np.asarray(predicted, dtype=object)
    if len(g) != len(p) or len(g) == 0:
        raise ValueError("gold and predicted must be non-empty and the same length")
    in_scope = g != OOS_LABEL
    gold_oos = ~in_scope
    said_oos = p == OOS_LABEL
    labels = sorted(set(g.tolist()))
    metrics: dict[str, Any] = {
        "accuracy": float((g == p).mean()),
        "macro_f1": float(f1_score(g, p, labels=labels, average="macro", zero_division=0)),
        "in_scope_accuracy": float((g[in_scope] == p[in_scope]).mean()) if in_scope.any() else None,
        "oos_precision": None,
        "oos_recall": None,
    }
    if gold_oos.any():
        metrics["oos_recall"] = float((said_oos & gold_oos).sum() / gold_oos.sum())
        metrics["oos_precision"] = (
            float((said_oos & gold_oos).sum() / said_oos.sum()) if said_oos.any() else 0.0
        )
    return metrics


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else math.nan


def measure_latency(model: IntentModel, texts: Sequence[str], sample: int = 200) -> list[float]:
    """Milliseconds per single-message prediction, embedding included: the
    embedding cache is bypassed, as for a message the process has not seen."""
    if not texts:
        return []
    rng = np.random.default_rng(0)
    picks = rng.choice(len(texts), size=min(sample, len(texts)), replace=False)
    model.predict(texts[int(picks[0])], cached=False)  # warm-up: lazy weight loading
    timings = []
    for i in picks:
        started = time.perf_counter()
        model.predict(texts[int(i)], cached=False)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def run_eval(
    train_path: str | Path,
    test_path: str | Path,
    predictions_path: str | Path | None = None,
    config: ModelConfig | None = None,
    latency_sample: int = 200,
    cache_dir: Path | None = None,
    train_examples: Sequence[Example] | None = None,
    risk: str | None = None,
) -> dict[str, Any]:
    """Train on ``train_path``, evaluate on ``test_path``; returns the metrics dict
    (the JSON the ``assistant eval`` command prints last). ``risk`` (a key of
    ``calibration.RISK_TARGETS``) refuses below that risk setting's answer threshold,
    read off the training data's held-out predictions (the test file is never used)."""
    train = list(train_examples) if train_examples is not None else load_examples(train_path)
    test = load_examples(test_path)
    config = config or default_config()
    if cache_dir is not None:
        for name in config.features.embedders:
            get_embedder(name).cache_dir = cache_dir

    started = time.perf_counter()
    model = IntentModel.train(train, config)
    train_seconds = time.perf_counter() - started

    if risk is not None:
        found = model.thresholds_for(risk)
        if found is None:
            raise ValueError("--risk needs at least 2 training examples per intent")
        model = model.with_threshold(found[0])

    texts = [e.text for e in test]
    predictions = model.predict_batch(texts, k=1)
    predicted = [p.intent for p in predictions]
    if predictions_path is not None:
        out = Path(predictions_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(f"{label}\n" for label in predicted), encoding="utf-8")

    metrics = compute_metrics([e.intent for e in test], predicted)
    # Calibration of the top in-scope intent's probability (an oos row is never right).
    metrics["ece"] = round(
        expected_calibration_error(
            [p.confidence for p in predictions],
            [p.top[0].intent == e.intent for p, e in zip(predictions, test, strict=True)],
        ),
        4,
    )
    timings = measure_latency(model, texts, latency_sample)
    metrics.update(
        {
            "p50_ms": round(_percentile(timings, 50), 2),
            "p95_ms": round(_percentile(timings, 95), 2),
            "n_test": len(test),
            "n_train": len(train),
            "n_intents": len(model.intents),
            "embedders": list(config.features.embedders),
            "oos_threshold": round(model.threshold, 4),
            "risk": risk,
            "train_seconds": round(train_seconds, 1),
        }
    )
    return metrics
