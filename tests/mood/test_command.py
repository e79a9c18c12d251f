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


def test_gbk_files_are_read_as_chinese(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("房间太小了，服务态度也差\n酒店很好，下次还来\n".encode("gbk"))
    objects = [json.loads(line) for line in run(path, "--json")]
    assert objects[0]["text"] == "房间太小了，服务态度也差" and objects[0]["mood"] == "negative"
    assert objects[1]["mood"] == "positive"


def test_piped_output_is_utf8_whatever_the_locale(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "in.txt"
    path.write_text("你们是骗子\n", encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "manage.py", "mood", "--json", str(path)],
        cwd=root, capture_output=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    first = json.loads(done.stdout.decode("utf-8").splitlines()[0])
    assert first["text"] == "你们是骗子" and first["mood"] == "negative"
