"""Benchmarks of the assistant's intent model on the shared data sets.

    .venv/bin/python bench/assistant_eval.py banking-cv [--folds 5] [--embedders use-m3]
    .venv/bin/python bench/assistant_eval.py banking-fewshot [--shots 10] [--draws 3]
    .venv/bin/python bench/assistant_eval.py clinc [--curve]
    .venv/bin/python bench/assistant_eval.py latency
    .venv/bin/python bench/assistant_eval.py crypto [--split dev|test] [--before]

Embeddings of the data sets are cached under var/cache/assistant/ (set
BLOCKDESK_EMBED_CACHE_DIR to move it), so reruns only pay for training.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT.parent / "shared" / "data"
os.environ.setdefault("BLOCKDESK_EMBED_CACHE_DIR", str(ROOT / "var" / "cache" / "assistant"))

from sklearn.model_selection import StratifiedKFold  # noqa: E402

from blockdesk.assistant.nlu.calibration import (  # noqa: E402
    RISK_TARGETS,
    expected_calibration_error,
    reliability_table,
)
from blockdesk.assistant.nlu.datasets import Example, load_examples  # noqa: E402
from blockdesk.assistant.nlu.evaluation import compute_metrics, measure_latency  # noqa: E402
from blockdesk.assistant.nlu.features import FeatureConfig  # noqa: E402
from blockdesk.assistant.nlu.model import IntentModel, ModelConfig  # noqa: E402
from blockdesk.assistant.nlu.report import analyse  # noqa: E402
from blockdesk.common.embeddings import get_embedder  # noqa: E402

NLU_DATA = ROOT / "src" / "blockdesk" / "assistant" / "nlu" / "data"


def _config(args: argparse.Namespace, **overrides: object) -> ModelConfig:
    feats = FeatureConfig(
        embedders=tuple(args.embedders.split(",")), direction_weight=args.direction_weight
    )
    tuning: dict[str, object] = {"C": args.C, "knn_weight": args.knn_weight}
    if args.class_weight:
        tuning["class_weight"] = args.class_weight
    return ModelConfig(features=feats, **{**tuning, **overrides})  # type: ignore[arg-type]


def _embed(names: tuple[str, ...], texts: list[str]) -> dict[str, np.ndarray]:
    return {n: get_embedder(n).encode(texts) for n in names}


def _subset(examples: list[Example], embs: dict[str, np.ndarray], idx: np.ndarray):
    return [examples[i] for i in idx], {n: e[idx] for n, e in embs.items()}


def _accuracy(model: IntentModel, examples: list[Example]) -> float:
    preds = model.predict_batch([e.text for e in examples], k=1)
    return float(np.mean([p.intent == e.intent for p, e in zip(preds, examples, strict=True)]))


def banking_cv(args: argparse.Namespace) -> dict:
    examples = load_examples(DATA / "banking77" / "train.csv")
    # Published figures never refuse, so no calibration folds are needed for accuracy.
    cfg = _config(args, oos_threshold=0.0, calibration_folds=0)
    embs = _embed(cfg.features.embedders, [e.text for e in examples])
    y = np.array([e.intent for e in examples])
    accs = []
    splitter = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    for fold, (tr, te) in enumerate(splitter.split(y, y)):
        if args.max_folds and fold >= args.max_folds:
            break
        train, sub = _subset(examples, embs, tr)
        started = time.perf_counter()
        model = IntentModel.train(train, cfg, embeddings=sub)
        acc = _accuracy(model, [examples[i] for i in te])
        accs.append(acc)
        print(f"fold {fold}: {acc * 100:.2f} ({time.perf_counter() - started:.0f} s)", flush=True)
    return {
        "task": "banking77-cv",
        "folds": len(accs),
        "accuracy": float(np.mean(accs)),
        "std": float(np.std(accs)),
        "per_fold": accs,
    }


def banking_fewshot(args: argparse.Namespace) -> dict:
    examples = load_examples(DATA / "banking77" / "train.csv")
    cfg = _config(args, oos_threshold=0.0)
    embs = _embed(cfg.features.embedders, [e.text for e in examples])
    y = np.array([e.intent for e in examples])
    accs = []
    for draw in range(args.draws):
        rng = np.random.default_rng(draw)
        picked = np.concatenate(
            [rng.choice(np.flatnonzero(y == c), args.shots, replace=False) for c in np.unique(y)]
        )
        rest = np.setdiff1d(np.arange(len(y)), picked)
        train, sub = _subset(examples, embs, picked)
        model = IntentModel.train(train, cfg, embeddings=sub)
        # Evaluate on every row not drawn for training (~9,200), all intents.
        acc = _accuracy(model, [examples[i] for i in rest])
        accs.append(acc)
        print(f"draw {draw}: {acc * 100:.2f}", flush=True)
    return {
        "task": f"banking77-{args.shots}shot",
        "draws": len(accs),
        "accuracy": float(np.mean(accs)),
        "std": float(np.std(accs)),
        "per_draw": accs,
    }


def clinc(args: argparse.Namespace) -> dict:
    path = DATA / "clinc150" / "train_val.json"
    train = load_examples(f"{path}:train+oos_train")
    test = load_examples(f"{path}:val+oos_val")
    cfg = _config(args, oos_prior=args.oos_prior)
    started = time.perf_counter()
    model = IntentModel.train(train, cfg)
    train_s = time.perf_counter() - started
    texts = [e.text for e in test]
    gold = [e.intent for e in test]
    preds = model.predict_batch(texts, k=1)
    result = compute_metrics(gold, [p.intent for p in preds])
    result.update(task="clinc150-val", threshold=model.threshold, train_seconds=round(train_s))
    # Calibration on val (never seen in training or calibration), and each risk
    # setting's thresholds, read off the training data's held-out (out-of-fold) curve.
    conf = np.array([p.confidence for p in preds])
    right = np.array([p.top[0].intent == g for p, g in zip(preds, gold, strict=True)])
    result["ece_val"] = expected_calibration_error(conf, right)
    result["meta"] = {k: v for k, v in model.meta.items() if k.startswith("ece")}
    result["reliability_val"] = [
        (b.lower, b.upper, b.count, round(b.confidence, 4), round(b.accuracy, 4))
        for b in reliability_table(conf, right)
    ]
    for risk in RISK_TARGETS:
        found = model.thresholds_for(risk)
        if found is None:
            continue
        decided = ["oos" if p.is_oos or p.confidence < found[0] else p.top[0].intent for p in preds]
        r = compute_metrics(gold, decided)
        result[f"risk_{risk}"] = {"answer_threshold": found[0], **r}
        print(
            f"{risk}: t={found[0]:.2f} in-scope {r['in_scope_accuracy']:.4f} "
            f"oos recall {r['oos_recall']:.4f} precision {r['oos_precision']:.4f}",
            flush=True,
        )
    if args.curve:
        probs, _ = model.probabilities(texts)
        curve = []
        for t in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            m = model.with_threshold(t)
            preds = []
            for row in probs:
                order = [i for i in np.argsort(-row) if i != m._oos_index]
                said_oos = m._oos_index >= 0 and int(row.argmax()) == m._oos_index
                preds.append("oos" if said_oos or row[order[0]] < t else str(m.classes[order[0]]))
            r = compute_metrics(gold, preds)
            curve.append(
                (
                    t,
                    round(r["in_scope_accuracy"], 4),
                    round(r["oos_recall"], 4),
                    round(r["oos_precision"], 4),
                )
            )
            print(
                f"t={t:.2f} in-scope {r['in_scope_accuracy']:.4f} "
                f"oos recall {r['oos_recall']:.4f} precision {r['oos_precision']:.4f}"
            )
        result["curve"] = curve
    return result


def crypto(args: argparse.Namespace) -> dict:
    """The product's own zh/en crypto questions (nlu/data): trained on the starter
    articles (+ the shipped crypto examples unless --before), tested on the dev split
    or the frozen test split."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")
    django.setup()
    from blockdesk.assistant.training_sources import starter_examples

    before = args.before
    cfg = _config(args)
    if before:
        cfg = ModelConfig(
            features=FeatureConfig(embedders=cfg.features.embedders, direction_weight=0.0)
        )
    train = starter_examples(curated=not before)
    test = load_examples(NLU_DATA / f"crypto_{args.split}.csv")
    model = IntentModel.train(train, cfg)
    report = analyse(model, test)
    for intent, (right, total) in report["per_intent"].items():
        print(f"{intent:30s} {right:3d}/{total:3d} {right / total * 100:6.1f}")
    for pair in report["pairs"][:20]:
        print(f"  {pair.total:3d}  {pair.a} <-> {pair.b}  ({pair.a_as_b} / {pair.b_as_a})")
    for b in report["reliability"]:
        print(
            f"  bin {b.lower:.1f}-{b.upper:.1f} n={b.count} "
            f"conf {b.confidence:.3f} acc {b.accuracy:.3f}"
        )
    for risk, r in report["risks"].items():
        print(f"  {risk}: {r}")
    return {
        "task": f"crypto-{args.split}" + ("-before" if before else ""),
        "n_train": len(train),
        "n_test": report["n"],
        "top1_in_scope": report["top1_in_scope"],
        "ece": report["ece"],
        "ece_held_out_train": model.meta.get("ece_held_out"),
        "risks": report["risks"],
        "pairs": [(p.a, p.b, p.a_as_b, p.b_as_a) for p in report["pairs"]],
        "per_intent": report["per_intent"],
    }


def latency(args: argparse.Namespace) -> dict:
    examples = load_examples(DATA / "banking77" / "train.csv")
    cfg = _config(args, oos_threshold=0.0, calibration_folds=0)
    model = IntentModel.train(examples, cfg)
    timings = measure_latency(model, [e.text for e in examples], 300)
    return {
        "task": "latency-banking77-full",
        "p50_ms": float(np.percentile(timings, 50)),
        "p95_ms": float(np.percentile(timings, 95)),
        "load": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "task", choices=["banking-cv", "banking-fewshot", "clinc", "latency", "crypto"]
    )
    parser.add_argument("--split", choices=["dev", "test"], default="dev")
    parser.add_argument("--before", action="store_true", help="crypto: the pre-issue-16 model")
    parser.add_argument("--embedders", default="use-m3")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-folds", type=int, default=0)
    parser.add_argument("--shots", type=int, default=10)
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--oos-prior", type=float, default=0.1)
    parser.add_argument("--curve", action="store_true")
    parser.add_argument("--class-weight", choices=["balanced"], default=None)
    parser.add_argument("--direction-weight", type=float, default=2.0)
    parser.add_argument("--C", type=float, default=0.5)
    parser.add_argument("--knn-weight", type=float, default=2.0)
    args = parser.parse_args()
    started = time.perf_counter()
    task = {
        "banking-cv": banking_cv,
        "banking-fewshot": banking_fewshot,
        "clinc": clinc,
        "latency": latency,
        "crypto": crypto,
    }[args.task]
    result = task(args)
    result.update(
        embedders=args.embedders,
        seconds=round(time.perf_counter() - started),
        python=platform.python_version(),
        nproc=os.cpu_count(),
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
