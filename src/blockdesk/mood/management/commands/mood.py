"""`manage.py mood [--json] FILE`: the mood of each line of FILE ("-": standard input).

With --json: one object a line, in order, `{"text", "mood", "score", "emotions"}`, then a
last line `{"p95_ms": …}`, the 95th percentile of the time to score one message (models
loaded first, so it is the steady-state figure). Without: a readable line per text."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from blockdesk.mood.analyzer import analyse, warm_up


class Command(BaseCommand):
    help = "Score the mood of each line of a file (negative / neutral / positive, emotions)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="One text a line; - reads standard input.")
        parser.add_argument("--json", action="store_true", help="JSON lines.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["file"] == "-":
                raw = sys.stdin.buffer.read()
            else:
                raw = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s")
                % {"file": options["file"], "error": exc.strerror or exc}
            ) from exc
        # Lines end at \n only (\r\n too): str.splitlines() would also cut at U+2028, \x1c…
        # inside a text and shift every answer after it.
        text = _decode(raw)
        lines = [line.removesuffix("\r") for line in text.split("\n")]
        if (lines and lines[-1] == "" and text.endswith("\n")) or text == "":
            lines.pop()
        if hasattr(sys.stdout, "reconfigure") and self.stdout._out is sys.stdout:
            sys.stdout.reconfigure(encoding="utf-8")  # Chinese text under a C locale
        warm_up()
        timings: list[float] = []
        out = self.stdout
        for line in lines:
            started = time.perf_counter()
            found = analyse(line)
            timings.append((time.perf_counter() - started) * 1000.0)
            if options["json"]:
                out.write(_json_line({"text": line, **found.as_dict()}))
            else:
                emotions = ", ".join(k for k, v in found.emotions.items() if v >= 0.5)
                out.write(f"{found.mood:8} {found.score:+.3f} {emotions:30} {line}")
        p95 = float(np.percentile(timings, 95)) if timings else 0.0
        if options["json"]:
            out.write(json.dumps({"p95_ms": round(p95, 4)}))
        else:
            out.write(
                _("%(count)d texts, p95 %(p95).3f ms per text") % {"count": len(lines), "p95": p95}
            )


def _json_line(obj: dict[str, Any]) -> str:
    # Raw UTF-8 for readability, but the characters some readers take as line ends are
    # escaped so each object stays on its own line.
    text = json.dumps(obj, ensure_ascii=False)
    for char in ("\u2028", "\u2029", "\x85"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without a BOM); else GB18030, which Chinese data sets often use;
    else UTF-8 with the bad bytes replaced, so one bad line does not lose the others."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", errors="replace")
