"""Reads a py-spy `--format raw --threads` profile (collapsed stacks) into the few
numbers worth writing down: where each thread spends its samples."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]+)(?::\d+)?\)$")


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['func']} ({path})"


def summarize(path: str | Path, top: int = 15) -> str:
    threads: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        thread = frames[0] if frames[0].startswith(("thread", "process")) else "?"
        body = frames[1:] if thread != "?" else frames
        total += count
        threads[thread] += count
        if body:
            leaf[_short(body[-1])] += count
        for name in {_short(f) for f in body}:
            inclusive[name] += count
    out = [f"{total} samples"]
    out += [f"  thread {name}: {100 * n / total:.1f}%" for name, n in threads.most_common(6)]
    out.append("top self (leaf) frames:")
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in leaf.most_common(top)]
    out.append("top inclusive frames:")
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top * 3)]
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    print(summarize(sys.argv[1], top=int(sys.argv[2]) if len(sys.argv) > 2 else 15))
