from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command


def run(path, *args):
    out = StringIO()
    call_command("mood", *args, str(path), stdout=out)
    return out.getvalue().splitlines()


def test_json_lines_in_order_then_p95(tmp_path):
    texts = ["Thanks, great help!", "骗子！还我钱", "", "where is my money\u2028now", "ok"]
    path = tmp_path / "in.txt"
    path.write_text("\r\n".join(texts) + "\n", encoding="utf-8")
    lines = run(path, "--json")
    assert len(lines) == len(texts) + 1
    objects = [json.loads(line) for line in lines]
    assert [o["text"] for o in objects[:-1]] == texts
    for obj in objects[:-1]:
        assert set(obj) == {"text", "mood", "score", "emotions"}
        assert obj["mood"] in {"negative", "neutral", "positive"}
        assert -1 <= obj["score"] <= 1
    assert objects[0]["mood"] == "positive" and objects[1]["mood"] == "negative"
    assert objects[1]["emotions"]["anger"] >= 0.5
    assert set(objects[-1]) == {"p95_ms"} and objects[-1]["p95_ms"] >= 0


def test_readable_output(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text("This is a scam!!\n", encoding="utf-8")
    lines = run(path)
    assert lines[0].startswith("negative") and "anger" in lines[0]
    assert "1" in lines[-1] and "p95" in lines[-1]
