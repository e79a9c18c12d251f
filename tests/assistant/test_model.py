from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from blockdesk.assistant.nlu.datasets import OOS_LABEL, Example, load_examples
from blockdesk.assistant.nlu.evaluation import compute_metrics, run_eval
from blockdesk.assistant.nlu.features import FeatureConfig, word_tokens
from blockdesk.assistant.nlu.model import IntentModel, ModelConfig
from blockdesk.common.embeddings import (
    CachingEmbedder,
    Embedder,
    get_embedder,
    l2_normalise,
    register_embedder,
)

from .conftest import FAST, crypto_split, shared_data_or_skip


def test_crypto_held_out_accuracy(crypto_model: IntentModel) -> None:
    _, test = crypto_split()
    preds = crypto_model.predict_batch([e.text for e in test])
    accuracy = np.mean([p.intent == e.intent for p, e in zip(preds, test, strict=True)])
    assert accuracy >= 0.85, accuracy


def test_prediction_shape(crypto_model: IntentModel) -> None:
    p = crypto_model.predict("我的提现还没到账", k=3)
    assert p.intent == "withdrawal_pending"
    assert len(p.top) == 3
    assert p.top[0].intent == p.intent
    assert p.top[0].probability >= p.top[1].probability >= p.top[2].probability
    assert 0.0 < p.confidence <= 1.0
    assert -1.0 <= p.similarity <= 1.0


def test_tfidf_without_input_checks_is_the_vectorizers_transform(
    crypto_model: IntentModel,
) -> None:
    from blockdesk.assistant.nlu.features import tfidf

    _, test = crypto_split()
    texts = [e.text for e in test] + ["", "   ", "ＵＳＤＴ 充值 wrong network!!", "zzzz qqqq"]
    pipeline = crypto_model.pipeline
    for vectorizer in (pipeline.word, pipeline.char):
        for batch in ([t] for t in texts[:40]), [texts]:
            for chunk in batch:
                mine, theirs = tfidf(vectorizer, chunk), vectorizer.transform(chunk)
                assert mine.shape == theirs.shape and mine.dtype == theirs.dtype
                assert np.allclose(mine.toarray(), theirs.toarray(), atol=1e-6)


def test_predictions_made_ahead_are_the_same_and_taken_once(
    crypto_model: IntentModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """predict_ahead (a flood's group of messages) predicts in one batch; each `predict`
    of those texts then takes its result instead of predicting alone, once."""
    _, test = crypto_split()
    texts = [e.text for e in test[:8]]
    alone = [crypto_model.predict(t) for t in texts]
    crypto_model.predict_ahead(texts)
    batches: list[list[str]] = []
    real = crypto_model.predict_batch

    def counted(batch, **kwargs):  # type: ignore[no-untyped-def]
        batches.append(list(batch))
        return real(batch, **kwargs)

    monkeypatch.setattr(crypto_model, "predict_batch", counted)
    ahead = [crypto_model.predict(t) for t in texts]
    assert batches == []
    for one, other in zip(alone, ahead, strict=True):
        assert one.intent == other.intent and one.is_oos == other.is_oos
        assert [s.intent for s in one.top] == [s.intent for s in other.top]
        assert abs(one.confidence - other.confidence) < 1e-5
    crypto_model.predict(texts[0])  # taken already: predicted again
    assert batches == [[texts[0]]]


def test_out_of_scope_with_threshold(crypto_model: IntentModel) -> None:
    guarded = crypto_model.with_threshold(0.7)
    p = guarded.predict("what's the weather in Paris")
    assert p.is_oos and p.intent == OOS_LABEL
    # The guard must not refuse a clear in-scope question.
    assert guarded.predict("my withdrawal is still pending").intent == "withdrawal_pending"


def test_oos_rows_become_a_class() -> None:
    train, _ = crypto_split()
    oos = [
        "what's the weather tomorrow",
        "tell me a joke",
        "who won the football game",
        "recommend a good pizza place",
        "how tall is mount everest",
        "play some music",
        "今天天气怎么样",
        "讲个笑话",
        "what time is it in tokyo",
    ]
    model = IntentModel.train([*train, *(Example(t, OOS_LABEL) for t in oos)], FAST)
    assert OOS_LABEL not in model.intents
    assert model.predict("will it rain in Paris this weekend").intent == OOS_LABEL
    assert model.predict("my deposit is missing").intent == "deposit_missing"


def test_auto_threshold_is_tuned() -> None:
    train, _ = crypto_split()
    cfg = ModelConfig(features=FeatureConfig(embedders=("use-m3",)))
    model = IntentModel.train(train, cfg)
    assert 0.0 < model.threshold < 1.0
    assert model.meta["calibrated"]


def test_save_load_round_trip(crypto_model: IntentModel, tmp_path: Path) -> None:
    _, test = crypto_split()
    texts = [e.text for e in test] + ["what's the weather in Paris"]
    path = crypto_model.save(tmp_path / "m" / "intent.joblib")
    loaded = IntentModel.load(path)
    before, _ = crypto_model.probabilities(texts)
    after, _ = loaded.probabilities(texts)
    np.testing.assert_array_equal(before, after)
    assert [p.intent for p in loaded.predict_batch(texts)] == [
        p.intent for p in crypto_model.predict_batch(texts)
    ]
    assert loaded.threshold == crypto_model.threshold


def test_load_rejects_foreign_file(tmp_path: Path) -> None:
    import joblib

    path = tmp_path / "x.joblib"
    joblib.dump({"something": "else"}, path)
    with pytest.raises(ValueError, match="not an intent model"):
        IntentModel.load(path)


def test_needs_two_intents() -> None:
    with pytest.raises(ValueError, match="two in-scope intents"):
        IntentModel.train([Example("a", "x"), Example("b", "x")], FAST)


def test_chinese_word_tokens_are_segmented() -> None:
    tokens = word_tokens("我的ＵＳＤＴ提现还没到账")
    assert "usdt" in tokens  # full-width folded, lower-cased
    assert "提现" in tokens


class _HashEmbedder:
    """A deterministic stand-in embedder, to show the registry is pluggable."""

    name = "test-hash"
    dim = 16

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        rng = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=16) for t in texts]
        return l2_normalise(np.array(rng, dtype=np.float32).reshape(len(texts), 16))


def test_registered_embedder_is_used_and_cached() -> None:
    inner = _HashEmbedder()
    register_embedder("test-hash", lambda: inner)
    emb = get_embedder("test-hash")
    assert isinstance(emb, CachingEmbedder)
    assert isinstance(inner, Embedder)
    a = emb.encode(["x", "y", "x"])
    b = emb.encode(["y"])
    assert a.shape == (3, 16) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(a[1], b[0])
    assert inner.calls == 1  # the second call came from the in-process cache
    train, _ = crypto_split()
    cfg = ModelConfig(features=FeatureConfig(embedders=("test-hash",)), oos_threshold=0.0)
    model = IntentModel.train(train, cfg)
    assert model.predict("my API key stopped working").intent == "api_keys"


def test_use_embedder_is_normalised() -> None:
    x = get_embedder("use-m3").encode(["hello", "你好", ""])
    assert x.shape == (3, 512) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x[:2], axis=1), 1.0, rtol=1e-4)


def test_compute_metrics() -> None:
    m = compute_metrics(["a", "b", "oos", "oos"], ["a", "oos", "oos", "b"])
    assert m["accuracy"] == 0.5
    assert m["in_scope_accuracy"] == 0.5
    assert m["oos_recall"] == 0.5
    assert m["oos_precision"] == 0.5
    assert compute_metrics(["a", "b"], ["a", "a"])["oos_recall"] is None


REQUIRED_KEYS = {
    "accuracy",
    "macro_f1",
    "oos_precision",
    "oos_recall",
    "in_scope_accuracy",
    "p50_ms",
    "p95_ms",
    "n_test",
}


def _write_crypto_files(tmp_path: Path) -> tuple[Path, Path]:
    train, test = crypto_split()
    test = [*test, Example("what's the weather in Paris", OOS_LABEL)]
    train_csv = tmp_path / "train.csv"
    lines = ["text,category"] + [f'"{e.text}",{e.intent}' for e in train]
    train_csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    test_json = tmp_path / "test.json"
    test_json.write_text(json.dumps([[e.text, e.intent] for e in test], ensure_ascii=False))
    return train_csv, test_json


def test_run_eval_json_and_predictions(tmp_path: Path) -> None:
    train_csv, test_json = _write_crypto_files(tmp_path)
    preds = tmp_path / "preds.txt"
    cfg = ModelConfig(features=FeatureConfig(embedders=("use-m3",)), oos_threshold=0.7)
    metrics = run_eval(train_csv, test_json, preds, config=cfg, latency_sample=10)
    assert set(metrics) >= REQUIRED_KEYS
    json.dumps(metrics)  # serialisable
    test = load_examples(test_json)
    lines = preds.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(test) == metrics["n_test"]
    assert lines[-1] == OOS_LABEL
    assert sum(line == e.intent for line, e in zip(lines, test, strict=True)) >= 0.8 * len(test)
    assert metrics["oos_recall"] == 1.0
    assert metrics["p95_ms"] >= metrics["p50_ms"] > 0


def test_eval_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    train_csv, test_json = _write_crypto_files(tmp_path)
    preds = tmp_path / "p.txt"
    call_command(
        "assistant",
        "eval",
        "--train",
        str(train_csv),
        "--test",
        str(test_json),
        "--predictions",
        str(preds),
        "--latency-sample",
        "5",
        "--oos-threshold",
        "0.7",
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    metrics = json.loads(last)
    assert set(metrics) >= REQUIRED_KEYS
    assert len(preds.read_text().splitlines()) == metrics["n_test"]


def test_train_command_writes_loadable_model(tmp_path: Path) -> None:
    from django.core.management import call_command

    train_csv, _ = _write_crypto_files(tmp_path)
    out = tmp_path / "model.joblib"
    call_command("assistant", "train", "--data", str(train_csv), "--out", str(out))
    model = IntentModel.load(out)
    assert model.predict("怎么重置二次验证").intent == "reset_2fa"


def test_eval_command_reports_bad_file(tmp_path: Path) -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.csv"
    bad.write_text("text,category\nhello\n")
    with pytest.raises(CommandError, match=r"bad\.csv, line 2"):
        call_command("assistant", "eval", "--train", str(bad), "--test", str(bad))


def test_banking77_slice() -> None:
    """20 intents x 10 examples from BANKING77; held-out rows of the same intents."""
    rows = load_examples(shared_data_or_skip("banking77", "train.csv"))
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for e in rows:
        by_intent[e.intent].append(e)
    intents = sorted(by_intent)[:20]
    train = [e for i in intents for e in by_intent[i][:10]]
    test = [e for i in intents for e in by_intent[i][10:20]]
    model = IntentModel.train(train, FAST)
    preds = model.predict_batch([e.text for e in test])
    accuracy = np.mean([p.intent == e.intent for p, e in zip(preds, test, strict=True)])
    assert accuracy >= 0.75, accuracy
