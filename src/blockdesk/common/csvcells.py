"""CSV exports a spreadsheet opens safely: every cell guarded against formula injection (a
cell starting with = + - @ tab or CR is written with a leading ', so the spreadsheet shows
it as text and does not evaluate it), UTF-8 with a BOM (Excel then reads Chinese
correctly), CRLF line ends. One place for the audit log, SLA, survey and quality exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value: object) -> str:
    """A cell as text a spreadsheet shows and does not evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_line(cells: Iterable[object]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([guard_cell(c) for c in cells])
    return out.getvalue()


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The BOM, then one guarded line per row (for a streamed response)."""
    yield BOM
    for row in rows:
        yield csv_line(row)
