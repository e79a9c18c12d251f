"""The intent model: linear classifier + nearest-neighbour scores, calibrated, with
an out-of-scope decision.

Score for intent c:  s_c = w_c·x + b_c  +  knn_weight · mean(top-k cosine to c's examples)
Probabilities:       softmax(s / T), T fitted on out-of-fold scores (temperature scaling)
Out of scope:        the top intent is the ``oos`` class (when the training data has
                     out-of-scope rows), or its probability is below a threshold
                     tuned on the same out-of-fold predictions.

Why this shape (numbers in docs/benchmarks/assistant.md): a LinearSVC over
embeddings + n-grams is the strongest single model we measured on 2 CPU cores;
adding per-class nearest-neighbour similarity fixes many of its near-misses
(+0.9 points on BANKING77) and helps most with few examples per intent.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from .calibration import RISK_TARGETS, OperatingCurve, expected_calibration_error
from .datasets import OOS_LABEL, Example
from .features import FeatureConfig, FeaturePipeline, Features

__all__ = ["IntentModel", "IntentScore", "ModelConfig", "Prediction"]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
# predict_ahead: the `k` the assistant asks for, and how many results wait at most.
AHEAD_K = 3
AHEAD_KEPT = 256


@dataclass(frozen=True)
class ModelConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    C: float = 0.5
    knn_k: int = 3
    knn_weight: float = 2.0
    calibration_folds: int = 3
    # Probability below which the top intent is refused as out of scope. None means
    # "tune it": on the out-of-scope training rows when there are some, otherwise so
    # that ``fallback_reject_rate`` of held-out in-scope messages would be refused.
    oos_threshold: float | None = None
    fallback_reject_rate: float = 0.01
    # Expected share of out-of-scope messages in real traffic. The threshold is
    # tuned to maximise (1 - prior) * in-scope accuracy + prior * oos recall, i.e.
    # overall accuracy on such traffic. Weighting both equally (prior 0.5) chose
    # t=0.87 on CLINC150 and refused 5% of in-scope messages.
    oos_prior: float = 0.1
    # "balanced" reweights classes by inverse frequency (sklearn's meaning).
    class_weight: str | None = None
    seed: int = 0


@dataclass(frozen=True)
class IntentScore:
    intent: str
    probability: float


@dataclass(frozen=True)
class Prediction:
    intent: str  # the top in-scope intent, or OOS_LABEL when out of scope
    confidence: float  # calibrated probability of the top in-scope intent
    is_oos: bool
    top: list[IntentScore]  # best in-scope intents, most likely first
    similarity: float  # cosine to the nearest training example (centred embeddings)


class _KnnIndex:
    """Per-class mean of the top-k cosine similarities to that class's examples.

    Rows are stored grouped by class in a padded (n_classes, max_count) index so
    one gather + partition scores every class at once, in float16 to halve the
    model file (measured: no accuracy change)."""

    def __init__(self, dense: np.ndarray, y: np.ndarray, n_classes: int, k: int) -> None:
        order = np.argsort(y, kind="stable")
        self.vectors = dense[order].astype(np.float16)
        counts = np.bincount(y, minlength=n_classes)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        width = max(1, int(counts.max()))
        self.index = np.full((n_classes, width), -1, dtype=np.int32)
        for c in range(n_classes):
            self.index[c, : counts[c]] = np.arange(starts[c], starts[c] + counts[c])
        self.k = k
        self._f32: np.ndarray | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_f32"] = None  # rebuilt on first use after loading
        return state

    def scores(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(per-class scores (n, n_classes), nearest-example similarity (n,))."""
        if self._f32 is None:
            # float16 matmul is slow on CPUs; widen once per process.
            self._f32 = self.vectors.astype(np.float32)
        vectors = self._f32
        n_classes, width = self.index.shape
        k = min(self.k, width)
        out = np.empty((len(queries), n_classes), dtype=np.float32)
        nearest = np.empty(len(queries), dtype=np.float32)
        pad = self.index < 0
        # Chunks bound the (chunk, n_classes, width) gather to a few MB.
        step = max(1, 2_000_000 // max(1, n_classes * width))
        for lo in range(0, len(queries), step):
            sims = queries[lo : lo + step] @ vectors.T
            nearest[lo : lo + step] = sims.max(axis=1) if sims.shape[1] else 0.0
            grouped = sims[:, np.where(pad, 0, self.index)]
            grouped[:, pad] = -np.inf
            if k < width:
                grouped = np.partition(grouped, width - k, axis=2)[:, :, width - k :]
            # Classes with fewer than k examples average what they have.
            grouped[np.isneginf(grouped)] = np.nan
            out[lo : lo + step] = np.nanmean(grouped, axis=2)
        return out, nearest


_controller: Any = None


@contextlib.contextmanager
def _blas_limit(threads: int | None) -> Iterator[None]:
    global _controller
    if threads is None:
        yield
        return
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        # Discovering the loaded BLAS libraries is slow; do it once per process.
        _controller = ThreadpoolController()
    with _controller.limit(limits=threads, user_api="blas"):
        yield


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising held-out negative log-likelihood (grid search: one
    parameter, and a grid cannot diverge the way a Newton step can)."""
    best_t, best_nll = 1.0, np.inf
    rows = np.arange(len(y))
    for t in np.geomspace(0.01, 5.0, 60):
        p = _softmax(scores.astype(np.float64), float(t))
        nll = -np.log(np.clip(p[rows, y], 1e-12, None)).mean()
        if nll < best_nll:
            best_t, best_nll = float(t), float(nll)
    return best_t


def _held_out_outcomes(
    probs: np.ndarray, y: np.ndarray, classes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the top in-scope probability, whether that intent is right, and
    whether the right intent is among the top two (an oos row is never right)."""
    in_scope = classes != OOS_LABEL
    masked = np.where(in_scope, probs, -1.0)
    order = np.argsort(-masked, axis=1)[:, :2]
    rows = np.arange(len(y))
    top_p = probs[rows, order[:, 0]]
    correct = (order[:, 0] == y) & in_scope[y]
    correct2 = correct | ((order[:, -1] == y) & in_scope[y])
    return top_p, correct, correct2


class IntentModel:
    """Train with :meth:`train`, predict with :meth:`predict`, persist with
    :meth:`save` / :meth:`load` (loading never retrains)."""

    def __init__(
        self,
        config: ModelConfig,
        pipeline: FeaturePipeline,
        classes: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        knn: _KnnIndex,
        temperature: float,
        threshold: float,
        meta: dict[str, Any] | None = None,
        curve: OperatingCurve | None = None,
    ) -> None:
        self.config = config
        self.pipeline = pipeline
        self.classes = classes
        self.coef = coef
        self.intercept = intercept
        self.knn = knn
        self.temperature = temperature
        self.threshold = threshold
        self.meta = meta or {}
        # Held-out precision/coverage by threshold; None for models trained before
        # it existed or without enough examples per intent to hold any out.
        self.curve = curve
        # thresholds_for by risk setting: read on every assistant turn, and the curve's
        # scan is a Python loop over its grid; the model is immutable once loaded.
        self._thresholds: dict[str, tuple[float, float] | None] = {}
        # predict_ahead's results, each taken by the one `predict` it was made for.
        self._ahead: dict[str, Prediction] = {}
        self._ahead_lock = threading.Lock()
        oos = np.flatnonzero(classes == OOS_LABEL)
        self._oos_index = int(oos[0]) if len(oos) else -1

    # -- training -----------------------------------------------------------

    @classmethod
    def train(
        cls,
        examples: Sequence[Example],
        config: ModelConfig | None = None,
        embeddings: dict[str, np.ndarray] | None = None,
    ) -> IntentModel:
        """Train on labelled examples; rows labelled ``oos`` become an extra class.

        ``embeddings`` (name -> array aligned with ``examples``) skips re-encoding
        when the caller already has them (cross-validation, knowledge-base sync)."""
        config = config or ModelConfig()
        started = time.perf_counter()
        texts = [e.text for e in examples]
        classes, y = np.unique([e.intent for e in examples], return_inverse=True)
        in_scope = [c for c in classes if c != OOS_LABEL]
        if len(in_scope) < 2:
            raise ValueError("training data needs at least two in-scope intents")
        if embeddings is None:
            embeddings = FeaturePipeline(config.features).embed(texts)

        temperature, threshold = 1.0, 0.0
        curve: OperatingCurve | None = None
        calibration: dict[str, float] = {}
        oof = cls._out_of_fold_scores(texts, y, len(classes), embeddings, config)
        if oof is not None:
            temperature = _fit_temperature(oof, y)
            probs = _softmax(oof, temperature)
            threshold = cls._tune_threshold(probs, y, classes, config)
            top_p, correct, correct2 = _held_out_outcomes(probs, y, classes)
            curve = OperatingCurve.from_predictions(top_p, correct, correct2)
            raw_p = _held_out_outcomes(_softmax(oof, 1.0), y, classes)[0]
            calibration = {
                "ece_held_out": round(expected_calibration_error(top_p, correct), 4),
                "ece_held_out_uncalibrated": round(expected_calibration_error(raw_p, correct), 4),
            }
        if config.oos_threshold is not None:
            threshold = config.oos_threshold

        pipeline, coef, intercept, knn = cls._fit_core(texts, y, len(classes), embeddings, config)
        meta = {
            "format_version": FORMAT_VERSION,
            "sklearn_version": sklearn.__version__,
            "n_examples": len(examples),
            "trained_at": time.time(),
            "train_seconds": round(time.perf_counter() - started, 1),
            "calibrated": oof is not None,
            **calibration,
        }
        return cls(
            config, pipeline, classes, coef, intercept, knn, temperature, threshold, meta, curve
        )

    @staticmethod
    def _fit_core(
        texts: Sequence[str],
        y: np.ndarray,
        n_classes: int,
        embeddings: dict[str, np.ndarray],
        config: ModelConfig,
    ) -> tuple[FeaturePipeline, np.ndarray, np.ndarray, _KnnIndex]:
        pipeline = FeaturePipeline(config.features)
        feats = pipeline.fit(texts, embeddings)
        svc = LinearSVC(C=config.C, class_weight=config.class_weight, random_state=config.seed)
        svc.fit(feats.sparse, y)
        coef = svc.coef_.astype(np.float32)
        intercept = svc.intercept_.astype(np.float32)
        if n_classes == 2:
            # Binary LinearSVC keeps one hyperplane; spell out both sides so the
            # scoring code is the same for every number of classes.
            coef = np.vstack([-coef, coef])
            intercept = np.concatenate([-intercept, intercept])
        knn = _KnnIndex(feats.dense, y, n_classes, config.knn_k)
        return pipeline, coef, intercept, knn

    @classmethod
    def _out_of_fold_scores(
        cls,
        texts: Sequence[str],
        y: np.ndarray,
        n_classes: int,
        embeddings: dict[str, np.ndarray],
        config: ModelConfig,
    ) -> np.ndarray | None:
        """Scores for every training row from a model that did not see it; None
        when some intent has too few examples to hold one out."""
        folds = min(config.calibration_folds, int(np.bincount(y).min()))
        if folds < 2:
            return None
        oof = np.zeros((len(texts), n_classes), dtype=np.float32)
        splitter = StratifiedKFold(folds, shuffle=True, random_state=config.seed)
        arr = np.asarray(texts, dtype=object)
        for tr, te in splitter.split(arr, y):
            sub = {name: emb[tr] for name, emb in embeddings.items()}
            pipeline, coef, intercept, knn = cls._fit_core(
                list(arr[tr]), y[tr], n_classes, sub, config
            )
            held = {name: emb[te] for name, emb in embeddings.items()}
            feats = pipeline.transform(list(arr[te]), held)
            oof[te] = cls._raw_scores(feats, coef, intercept, knn, config)[0]
        return oof

    @staticmethod
    def _tune_threshold(
        probs: np.ndarray, y: np.ndarray, classes: np.ndarray, config: ModelConfig
    ) -> float:
        oos = np.flatnonzero(classes == OOS_LABEL)
        in_scope_mask = np.ones(len(classes), dtype=bool)
        in_scope_mask[oos] = False
        is_oos_row = np.isin(y, oos)
        top = np.where(in_scope_mask, probs, -1.0).argmax(axis=1)
        top_p = probs[np.arange(len(y)), top]
        said_oos = probs.argmax(axis=1) == oos[0] if len(oos) else np.zeros(len(y), bool)
        if not is_oos_row.any():
            # Nothing out of scope to learn from: refuse the least confident
            # fraction of held-out in-scope messages (mostly ones it got wrong).
            return float(np.quantile(top_p, config.fallback_reject_rate))
        correct = (top == y) & ~said_oos & ~is_oos_row
        best_t, best_j = 0.0, -np.inf
        for t in np.unique(np.concatenate([[0.0], np.quantile(top_p, np.linspace(0, 0.5, 201))])):
            accepted = (top_p >= t) & ~said_oos
            in_acc = (correct & accepted).sum() / max(1, (~is_oos_row).sum())
            oos_rec = (is_oos_row & ~accepted).sum() / is_oos_row.sum()
            j = (1 - config.oos_prior) * in_acc + config.oos_prior * oos_rec
            if j > best_j:
                best_t, best_j = float(t), float(j)
        return best_t

    # -- inference ----------------------------------------------------------

    @staticmethod
    def _raw_scores(
        feats: Features,
        coef: np.ndarray,
        intercept: np.ndarray,
        knn: _KnnIndex,
        config: ModelConfig,
    ) -> tuple[np.ndarray, np.ndarray]:
        linear = np.asarray(feats.sparse @ coef.T) + intercept
        if config.knn_weight and feats.dense.shape[1]:
            neighbour, nearest = knn.scores(feats.dense)
            return linear + np.float32(config.knn_weight) * neighbour, nearest
        return linear, np.zeros(len(linear), dtype=np.float32)

    def probabilities(
        self, texts: Sequence[str], cached: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated class probabilities (n, n_classes) and nearest similarities."""
        # For a few messages the matrices are tiny and waking BLAS worker threads
        # costs more than the work: measured 16 ms -> 1.7 ms for the neighbour
        # scores on a busy 2-core machine when pinned to one thread.
        # Inputs are this pipeline's own (fitted vectorizers, finite floats): scikit-learn's
        # argument and finiteness checks were two thirds of the n-gram features' cost for
        # one message (issue 17).
        with (
            _blas_limit(1 if len(texts) <= 32 else None),
            sklearn.config_context(assume_finite=True, skip_parameter_validation=True),
        ):
            embeddings = self.pipeline.embed(texts, cached=cached)
            feats = self.pipeline.transform(texts, embeddings)
            scores, nearest = self._raw_scores(
                feats, self.coef, self.intercept, self.knn, self.config
            )
        return _softmax(scores, self.temperature), nearest

    def predict_batch(
        self, texts: Sequence[str], k: int = 3, cached: bool = True
    ) -> list[Prediction]:
        if not texts:
            return []
        probs, nearest = self.probabilities(texts, cached=cached)
        out: list[Prediction] = []
        for row, sim in zip(probs, nearest, strict=True):
            said_oos = self._oos_index >= 0 and int(row.argmax()) == self._oos_index
            ranked = [i for i in np.argsort(-row) if i != self._oos_index][:k]
            top = [IntentScore(str(self.classes[i]), float(row[i])) for i in ranked]
            confidence = top[0].probability
            is_oos = bool(said_oos or confidence < self.threshold)
            out.append(
                Prediction(
                    intent=OOS_LABEL if is_oos else top[0].intent,
                    confidence=confidence,
                    is_oos=is_oos,
                    top=top,
                    similarity=float(sim),
                )
            )
        return out

    def predict(self, text: str, k: int = 3, cached: bool = True) -> Prediction:
        if cached and k == AHEAD_K:
            with self._ahead_lock:
                found = self._ahead.pop(text, None)
            if found is not None:
                return found
        return self.predict_batch([text], k=k, cached=cached)[0]

    def predict_ahead(self, texts: Sequence[str]) -> None:
        """Predict these texts in one batch for the `predict` calls that will follow, one
        text at a time (a flood's group of messages, answered one after the other): the
        features and scores of ten messages together cost 0.26 ms a message instead of
        1.0 alone (issue 17). Each result is taken by the first `predict` of its text;
        the oldest are dropped past AHEAD_KEPT (messages never answered, say)."""
        fresh = list(dict.fromkeys(t for t in texts if t not in self._ahead))
        if not fresh:
            return
        predictions = self.predict_batch(fresh, k=AHEAD_K)
        with self._ahead_lock:
            self._ahead.update(zip(fresh, predictions, strict=True))
            for stale in list(self._ahead)[: max(0, len(self._ahead) - AHEAD_KEPT)]:
                del self._ahead[stale]

    @property
    def intents(self) -> list[str]:
        return [str(c) for c in self.classes if c != OOS_LABEL]

    def thresholds_for(self, risk: str) -> tuple[float, float] | None:
        """(answer, clarify) probability thresholds reaching the risk setting's target
        precision on held-out predictions; None when the model has no curve."""
        if risk not in self._thresholds:
            if self.curve is None:
                found = None
            else:
                target = RISK_TARGETS[risk]
                found = self.curve.answer_threshold(target), self.curve.clarify_threshold(target)
            self._thresholds[risk] = found
        return self._thresholds[risk]

    def with_threshold(self, threshold: float) -> IntentModel:
        """A copy that refuses below another probability threshold (no retraining)."""
        clone = IntentModel(
            replace(self.config, oos_threshold=threshold),
            self.pipeline,
            self.classes,
            self.coef,
            self.intercept,
            self.knn,
            self.temperature,
            threshold,
            dict(self.meta),
            self.curve,
        )
        return clone

    # -- persistence --------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the model atomically (a reader never sees a half-written file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "format_version": FORMAT_VERSION,
            "config": self.config,
            "pipeline": self.pipeline,
            "classes": self.classes,
            "coef": self.coef,
            "intercept": self.intercept,
            "knn": self.knn,
            "temperature": self.temperature,
            "threshold": self.threshold,
            "meta": self.meta,
            "curve": self.curve,
        }
        tmp = path.with_name(path.name + ".tmp")
        joblib.dump(state, tmp, compress=3)
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> IntentModel:
        """Load a model written by :meth:`save`.

        The file is a pickle: load only files this deployment wrote itself."""
        state = joblib.load(Path(path))
        if not isinstance(state, dict) or state.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path}: not an intent model of format {FORMAT_VERSION}")
        trained_with = state["meta"].get("sklearn_version")
        if trained_with != sklearn.__version__:
            log.warning(
                "%s was trained with scikit-learn %s, running %s; retrain if predictions look off",
                path,
                trained_with,
                sklearn.__version__,
            )
        return cls(
            state["config"],
            state["pipeline"],
            state["classes"],
            state["coef"],
            state["intercept"],
            state["knn"],
            state["temperature"],
            state["threshold"],
            state["meta"],
            state.get("curve"),
        )
