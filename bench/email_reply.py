"""Reply extraction: accuracy per client on our fixture set, and speed on one core.

    .venv/bin/python bench/email_reply.py                 # table for docs/benchmarks.md
    .venv/bin/python bench/email_reply.py --failures      # and what each miss returned

Fixtures: tests/connectors/email_reply/fixtures/ (whole messages and bare bodies, plain
and HTML, English and Chinese), expected reply and signature in its `expected.json`,
written by hand. A fixture counts as right when the reply and the signature both equal
the expected ones after whitespace normalisation (runs of whitespace → one space).
Speed: every fixture parsed from its bytes (MIME, charset, HTML, extraction) in a loop,
CPU time of this process (one core), messages per second.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src")]
FIXTURES = REPO / "tests" / "connectors" / "email_reply" / "fixtures"


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true")
    parser.add_argument("--seconds", type=float, default=5.0, help="Speed loop length.")
    args = parser.parse_args()

    from blockdesk.connectors.email_reply import extract_from_bytes

    expected = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
    data = {name: (FIXTURES / name).read_bytes() for name in expected}
    per_client: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    reply_only = 0
    misses = []
    for name, want in sorted(expected.items()):
        got = extract_from_bytes(data[name])
        reply_ok = _norm(got.reply) == _norm(want["reply"])
        sig_ok = _norm(got.signature) == _norm(want["signature"])
        reply_only += reply_ok
        for table, key in ((per_client, want["client"]), (per_lang, want["lang"])):
            table[key][0] += reply_ok and sig_ok
            table[key][1] += 1
        if not (reply_ok and sig_ok):
            misses.append((name, got))

    total = len(expected)
    right = sum(v[0] for v in per_client.values())
    print(f"fixtures: {total}; reply and signature right: {right} ({right / total:.1%}); "
          f"reply right: {reply_only} ({reply_only / total:.1%})")  # fmt: skip
    print("| client | right / fixtures |")
    print("|---|---|")
    for key, (ok, n) in sorted(per_client.items()):
        print(f"| {key} | {ok} / {n} |")
    print("| language | right / fixtures |")
    print("|---|---|")
    for key, (ok, n) in sorted(per_lang.items()):
        print(f"| {key} | {ok} / {n} |")
    if args.failures:
        for name, got in misses:
            want = expected[name]
            print(f"\n--- {name}\n want reply={want['reply']!r} sig={want['signature']!r}")
            print(f"  got reply={got.reply!r} sig={got.signature!r}")

    blobs = list(data.values())
    count = 0
    start = time.process_time()
    while time.process_time() - start < args.seconds:
        for blob in blobs:
            extract_from_bytes(blob)
        count += len(blobs)
    cpu = time.process_time() - start
    print(f"speed: {count / cpu:,.0f} messages/s on one core ({count} messages, {cpu:.1f} s CPU)")


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")
    django.setup()
    main()
