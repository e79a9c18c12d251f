"""False alarms on ordinary customer messages (full run: bench/secret_guard_false_positives.py)."""

from __future__ import annotations

import csv

from blockdesk.safety import scan_inbound

from ._support import shared_file

SAMPLE = 3000


def test_false_positive_rate_on_banking77_sample_is_under_0_1_percent() -> None:
    path = shared_file("banking77/train.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for _, row in zip(range(SAMPLE), csv.DictReader(handle), strict=False)]
    assert len(texts) == SAMPLE
    flagged = [text for text in texts if scan_inbound(text).findings]
    assert len(flagged) / SAMPLE < 0.001, flagged


def test_false_positive_rate_on_clinc150_sample_is_under_0_1_percent() -> None:
    import json

    data = json.loads(shared_file("clinc150/train_val.json").read_text(encoding="utf-8"))
    texts = [text for text, _ in data["val"]] + [text for text, _ in data["oos_val"]]
    flagged = [text for text in texts if scan_inbound(text).findings]
    assert len(flagged) / len(texts) < 0.001, flagged
