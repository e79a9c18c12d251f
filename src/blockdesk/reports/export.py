"""A figure's table as CSV: UTF-8 with a BOM (Excel reads Chinese correctly), every text
cell guarded against formula injection by the audit log's guard (a cell starting with
= + - @ tab or CR is prefixed with '). Numbers are written as numbers: a negative change is
data, not a formula, and a spreadsheet must be able to sum it."""

from __future__ import annotations

import csv
import io

from blockdesk.common.csvcells import guard_cell
from blockdesk.reports.figures import Figure

BOM = "\ufeff"


def cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    return guard_cell(value)


def figure_csv(fig: Figure) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(c) for c in fig.columns])
    for row in fig.rows:
        writer.writerow([cell(c) for c in row])
    return BOM + out.getvalue()
