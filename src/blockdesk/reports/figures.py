"""The figures of the reports section, from the report tables (volume, times, resolution,
the heat map, the assistant, what is rising). Each is a `Figure`: a table (the numbers the
chart draws, the CSV and the API's rows) and a chart description for static/reports.js.
Definitions: docs/reports.md."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from blockdesk.conversations.models import Inbox
from blockdesk.reports import buckets
from blockdesk.reports.filters import ReportFilter, ignored, rollup_rows, zone_note
from blockdesk.reports.models import AgentDaily, DailyRollup, IntentDaily, TagDaily

COUNTS = (
    "created",
    "first_responses",
    "frt_sum",
    "frtb_sum",
    "resolved",
    "first_resolved",
    "res_sum",
    "resb_sum",
    "agent_resolved",
    "fcr",
    "reopened_7d",
    "reopens",
    "agent_replies",
    "assistant_handled",
    "assistant_resolved",
    "assistant_handoffs",
)
BUCKET_COLUMNS = tuple(c for m in buckets.MEASURES for c in buckets.columns(m))
WEEKDAYS = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)


@dataclass
class Figure:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None = None
    note: str = ""
    # The heat map's rows for the page: (day, [(count, shade 0–9), …]); shades are CSS
    # classes (no style attribute: CSP).
    heat: list[tuple[str, list[tuple[int, int]]]] = field(default_factory=list)

    @property
    def chart_id(self) -> str:
        return f"report-data-{self.key}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "columns": self.columns,
            "rows": self.rows,
            "chart": self.chart,
            "note": self.note,
        }


def pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def minutes(seconds: float | None) -> float | None:
    return round(seconds / 60, 1) if seconds is not None else None


def period_of(day: dt.date, f: ReportFilter) -> dt.date:
    """Days for up to two months, then weeks (starting on Monday)."""
    return day if f.days <= 62 else day - dt.timedelta(days=day.weekday())


def daily_sums(f: ReportFilter, *, by: str = "day") -> dict[Any, dict[str, float]]:
    """Every counter and bucket of the rollup rows in the filter, summed per `by`
    (a column: day, agent_id, channel…). One query; a year is at most a few hundred rows."""
    names = (*COUNTS, *BUCKET_COLUMNS)
    table = AgentDaily if per_agent(f, by) else DailyRollup
    qs = rollup_rows(table.objects.all(), f).values(by)
    rows = qs.annotate(**{f"s_{n}": Sum(n) for n in names}).order_by(by)
    return {r[by]: {n: r[f"s_{n}"] or 0 for n in names} for r in rows}


def per_agent(f: ReportFilter, by: str = "day") -> bool:
    return f.agent_id is not None or by == "agent_id"


def scope_note(f: ReportFilter, *, has_agent: bool) -> str:
    if not ignored(f, has_agent=has_agent):
        return ""
    if has_agent:
        return _("Per agent: the inbox, channel and language filters do not apply.")
    return _("The agent filter does not apply to this figure.")


def fold(
    per_day: dict[dt.date, dict[str, float]], f: ReportFilter
) -> dict[dt.date, dict[str, float]]:
    out: dict[dt.date, dict[str, float]] = {}
    day = f.since
    while day <= f.until:  # every period, with zeros: a chart without holes
        out.setdefault(period_of(day, f), defaultdict(float))
        day += dt.timedelta(days=1)
    for day, sums in per_day.items():
        slot = out.setdefault(period_of(day, f), defaultdict(float))
        for name, value in sums.items():
            slot[name] += value
    return out


def total(per_key: dict[Any, dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for sums in per_key.values():
        for name, value in sums.items():
            out[name] += value
    return out


def time_stats(sums: dict[str, float], measure: str, basis: str) -> tuple[Any, Any, Any]:
    """(median, p90, mean) in minutes of `frt` or `res`, calendar or business."""
    name = measure + ("b" if basis == "business" else "")
    counts = [int(sums.get(c, 0)) for c in buckets.columns(name)]
    n = sum(counts)
    mean = sums.get(f"{name}_sum", 0) / n if n else None
    return (
        minutes(buckets.quantile(counts, 0.5)),
        minutes(buckets.quantile(counts, 0.9)),
        minutes(mean),
    )


def _series_chart(
    kind: str, labels: list[Any], series: list[tuple[str, list[Any]]]
) -> dict[str, Any]:
    return {
        "type": kind,
        "labels": labels,
        "series": [{"label": label, "data": data} for label, data in series],
    }


def volume(f: ReportFilter, per_day: dict[Any, dict[str, float]]) -> Figure:
    periods = fold(per_day, f)
    rows = [
        [p.isoformat(), int(s["created"]), int(s["resolved"]), int(s["reopens"])]
        for p, s in sorted(periods.items())
    ]
    cols = [_("Period"), _("New"), _("Resolved"), _("Reopened")]
    chart = _series_chart(
        "line", [r[0] for r in rows], [(cols[i], [r[i] for r in rows]) for i in (1, 2, 3)]
    )
    days = _("Days in %(zone)s.") % {"zone": f.tz.key}
    note = " ".join(filter(None, [days, zone_note(f), scope_note(f, has_agent=per_agent(f))]))
    return Figure("volume", _("Conversations over time"), cols, rows, chart, note)


def times(f: ReportFilter, per_day: dict[Any, dict[str, float]]) -> Figure:
    rows = []
    for p, s in sorted(fold(per_day, f).items()):
        frt, res = time_stats(s, "frt", f.basis), time_stats(s, "res", f.basis)
        rows.append(
            [
                p.isoformat(),
                int(s["first_responses"]),
                frt[0],
                frt[1],
                int(s["first_resolved"]),
                res[0],
                res[1],
            ]
        )
    s = total(per_day)
    frt, res = time_stats(s, "frt", f.basis), time_stats(s, "res", f.basis)
    rows.append(
        [
            _("All"),
            int(s["first_responses"]),
            frt[0],
            frt[1],
            int(s["first_resolved"]),
            res[0],
            res[1],
        ]
    )
    cols = [
        _("Period"),
        _("First responses"),
        _("First response, median (min)"),
        _("First response, p90 (min)"),
        _("Resolved"),
        _("Resolution, median (min)"),
        _("Resolution, p90 (min)"),
    ]
    body = rows[:-1]
    chart = _series_chart(
        "line", [r[0] for r in body], [(cols[i], [r[i] for r in body]) for i in (2, 3, 5, 6)]
    )
    note = _("Business hours") if f.basis == "business" else _("Calendar time")
    note = " ".join(filter(None, [note, scope_note(f, has_agent=per_agent(f))]))
    return Figure("times", _("Response and resolution times"), cols, rows, chart, note)


def resolution(f: ReportFilter, per_day: dict[Any, dict[str, float]]) -> Figure:
    rows = []
    for p, s in sorted(fold(per_day, f).items()):
        rows.append(
            [
                p.isoformat(),
                int(s["agent_resolved"]),
                pct(s["fcr"], s["agent_resolved"]),
                int(s["first_resolved"]),
                pct(s["reopened_7d"], s["first_resolved"]),
            ]
        )
    s = total(per_day)
    rows.append(
        [
            _("All"),
            int(s["agent_resolved"]),
            pct(s["fcr"], s["agent_resolved"]),
            int(s["first_resolved"]),
            pct(s["reopened_7d"], s["first_resolved"]),
        ]
    )
    cols = [
        _("Period"),
        _("Resolved after an agent reply"),
        _("First-contact resolution (%)"),
        _("Resolved (first time)"),
        _("Reopened within 7 days (%)"),
    ]
    body = rows[:-1]
    chart = _series_chart(
        "line", [r[0] for r in body], [(cols[i], [r[i] for r in body]) for i in (2, 4)]
    )
    note = _("The last 7 days are provisional: a case may still be reopened.")
    note = " ".join(filter(None, [note, scope_note(f, has_agent=per_agent(f))]))
    return Figure(
        "resolution", _("First-contact resolution and reopen rate"), cols, rows, chart, note
    )


def _by(f: ReportFilter, column: str) -> list[tuple[Any, int]]:
    qs = rollup_rows(DailyRollup.objects.all(), f).values(column).annotate(n=Sum("created"))
    return sorted(((r[column], int(r["n"] or 0)) for r in qs), key=lambda kv: -kv[1])


def channels(f: ReportFilter) -> Figure:
    rows = [[kind or _("(none)"), n] for kind, n in _by(f, "channel") if n]
    cols = [_("Channel"), _("New conversations")]
    chart = _series_chart("bar", [r[0] for r in rows], [(cols[1], [r[1] for r in rows])])
    note = scope_note(f, has_agent=False)
    return Figure("channels", _("Volume by channel"), cols, rows, chart, note)


def inboxes(f: ReportFilter) -> Figure:
    found = _by(f, "inbox_id")
    names = dict(
        Inbox.objects.filter(account_id=f.account_id, pk__in=[k for k, _n in found]).values_list(
            "pk", "name"
        )
    )
    rows = [[names.get(k, f"#{k}"), n] for k, n in found if n]
    cols = [_("Inbox"), _("New conversations")]
    chart = _series_chart("bar", [r[0] for r in rows], [(cols[1], [r[1] for r in rows])])
    note = scope_note(f, has_agent=False)
    return Figure("inboxes", _("Volume by inbox"), cols, rows, chart, note)


def heatmap(f: ReportFilter) -> Figure:
    """The rows are keyed by local day and local hour already (rollup.py): a cell is a sum."""
    tz = f.tz
    grid = [[0] * 24 for _d in range(7)]
    hours = [f"created_h{h}" for h in range(24)]
    qs = rollup_rows(DailyRollup.objects.all(), f).values("day")
    for r in qs.annotate(**{f"s{h}": Sum(name) for h, name in enumerate(hours)}):
        for h in range(24):
            grid[r["day"].weekday()][h] += int(r[f"s{h}"] or 0)
    top = max(max(row) for row in grid) or 1
    labels = [str(d) for d in WEEKDAYS]
    rows = [[labels[d], *grid[d]] for d in range(7)]
    cols = [_("Day"), *[f"{h:02d}" for h in range(24)]]
    fig = Figure("heatmap", _("New conversations by hour and day of week"), cols, rows)
    fig.heat = [
        (labels[d], [(n, min(9, (9 * n + top - 1) // top)) for n in grid[d]]) for d in range(7)
    ]
    fig.note = " ".join(
        filter(
            None,
            [
                _("Time zone: %(zone)s") % {"zone": str(tz)},
                zone_note(f),
                scope_note(f, has_agent=False),
            ],
        )
    )
    return fig


def assistant(f: ReportFilter) -> Figure:
    qs = rollup_rows(IntentDaily.objects.all(), f).values("intent")
    sums = qs.annotate(h=Sum("handled"), d=Sum("deflected"), o=Sum("handed_off"))
    rows = [
        [
            r["intent"] or _("(no topic)"),
            int(r["h"] or 0),
            int(r["d"] or 0),
            pct(r["d"] or 0, r["h"] or 0),
            int(r["o"] or 0),
            pct(r["o"] or 0, r["h"] or 0),
        ]
        for r in sorted(sums, key=lambda r: -(r["h"] or 0))
    ]
    cols = [
        _("Intent"),
        _("Handled by the assistant"),
        _("Resolved by the assistant"),
        _("Deflection (%)"),
        _("Handed off"),
        _("Handoff (%)"),
    ]
    chart = _series_chart(
        "bar", [r[0] for r in rows[:15]], [(cols[i], [r[i] for r in rows[:15]]) for i in (3, 5)]
    )
    title = _("Assistant deflection and handoff by intent")
    return Figure("assistant", title, cols, rows, chart, scope_note(f, has_agent=False))


def _weekly(qs: Any, column: str, count: str, end: dt.date) -> dict[str, list[int]]:
    """Per value of `column`: counts of the week ending on `end` and the four before."""
    start = end - dt.timedelta(days=34)
    out: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    rows = qs.filter(day__gte=start, day__lte=end).values(column, "day").annotate(n=Sum(count))
    for r in rows:
        week = (end - r["day"]).days // 7  # 0: this week
        out[r[column]][week] += int(r["n"] or 0)
    return out


def rising(f: ReportFilter) -> Figure:
    """Intents and tags of the last 7 days (ending on the filter's last day) against the
    weekly average of the four weeks before."""
    wide = ReportFilter(**{**f.__dict__, "since": f.until - dt.timedelta(days=34)})
    rows: list[list[Any]] = []
    sources = (
        (_("Intent"), rollup_rows(IntentDaily.objects.all(), wide), "intent", "handled"),
        (_("Tag"), rollup_rows(TagDaily.objects.all(), wide), "tag", "added"),
    )
    for kind, qs, column, count in sources:
        for value, weeks in _weekly(qs, column, count, f.until).items():
            before = sum(weeks[1:]) / 4
            change = pct(weeks[0] - before, before) if before else None
            rows.append([kind, value or _("(no topic)"), weeks[0], round(before, 1), change])
    rows.sort(key=lambda r: (-(r[2] - r[3]), -r[2]))
    cols = [
        _("Kind"),
        _("Category"),
        _("This week"),
        _("Weekly average, 4 weeks before"),
        _("Change (%)"),
    ]
    top = rows[:12]
    chart = _series_chart(
        "bar",
        [f"{r[1]}" for r in top],
        [(cols[2], [r[2] for r in top]), (cols[3], [r[3] for r in top])],
    )
    title = _("Top issue categories and what is rising")
    return Figure("rising", title, cols, rows, chart, scope_note(f, has_agent=False))
