"""Figures read from other apps' tables rather than the rollups: satisfaction (surveys),
SLA met (sla/reports.py, the SLA app's own report), knowledge gaps (the assistant's turns),
and the per-agent table that puts them beside the rollups' times (leads only)."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.assistant.models import AssistantTurn
from blockdesk.reports.figures import Figure, daily_sums, pct, time_stats
from blockdesk.reports.filters import ReportFilter, conversation_q
from blockdesk.sla.reports import sla_report
from blockdesk.surveys.models import CsatOffer, CsatResponse, NpsResponse, NpsSurvey

# Turns where the assistant did not know: out of scope, not confident, no topic fitted, or
# the customer said the answer did not help.
GAP_REASONS = ("out_of_scope", "low_confidence", "none_of_these", "not_helpful")
GAP_SCAN = 5000  # newest turns read for the grouping: a bounded page, whatever the range
_WORD = re.compile(r"[\W_]+", re.UNICODE)


def satisfaction(f: ReportFilter) -> Figure:
    offers = CsatOffer.objects.filter(
        conversation_q(f), status=CsatOffer.Status.SENT, sent_at__gte=f.start(), sent_at__lt=f.end()
    )
    sent = offers.count()
    answers = CsatResponse.objects.filter(offer__in=offers)
    agg = answers.aggregate(
        n=Count("id"), avg=Avg("score"), happy=Count("id", filter=Q(score__gte=4))
    )
    rows: list[list[Any]] = [
        [_("CSAT surveys sent"), sent],
        [_("CSAT answers"), agg["n"]],
        [_("CSAT response rate (%)"), pct(agg["n"], sent)],
        [_("CSAT average (1–5)"), round(float(agg["avg"]), 2) if agg["avg"] is not None else None],
        [_("Satisfied, 4 or 5 (%)"), pct(agg["happy"], agg["n"])],
    ]
    scores = dict(answers.values_list("score").annotate(c=Count("id")))
    chart = {
        "type": "bar",
        "labels": [str(s) for s in range(1, 6)],
        "series": [{"label": _("CSAT answers"), "data": [scores.get(s, 0) for s in range(1, 6)]}],
    }
    note = ""
    if f.inbox_ids is None and not (
        f.inbox_id or f.channel or f.team_id or f.agent_id or f.language
    ):
        # NPS asks a customer, not about a case: no inbox or agent to filter on.
        surveys = NpsSurvey.objects.filter(
            account_id=f.account_id,
            status=NpsSurvey.Status.SENT,
            sent_at__gte=f.start(),
            sent_at__lt=f.end(),
        )
        nps = NpsResponse.objects.filter(survey__in=surveys).aggregate(
            n=Count("id"),
            pro=Count("id", filter=Q(score__gte=9)),
            det=Count("id", filter=Q(score__lte=6)),
        )
        n_sent = surveys.count()
        score = round(100 * (nps["pro"] - nps["det"]) / nps["n"]) if nps["n"] else None
        rows += [
            [_("NPS surveys sent"), n_sent],
            [_("NPS answers"), nps["n"]],
            [_("NPS response rate (%)"), pct(nps["n"], n_sent)],
            [_("Promoters"), nps["pro"]],
            [_("Detractors"), nps["det"]],
            [_("NPS (−100 to 100)"), score],
        ]
    else:
        note = _("NPS is shown without inbox, channel, team, agent or language filters.")
    return Figure("satisfaction", _("CSAT and NPS"), [_("Measure"), _("Value")], rows, chart, note)


def sla(f: ReportFilter, group: str = "channel") -> Figure:
    rows = [
        [r.label, r.total, r.met, r.missed, pct(r.met, r.total)]
        for r in sla_report(account_id=f.account_id, group=group, since=f.start(), until=f.end())
    ]
    cols = [_("Group"), _("Targets"), _("Met"), _("Missed"), _("Met (%)")]
    chart = {
        "type": "bar",
        "labels": [r[0] for r in rows],
        "series": [{"label": cols[4], "data": [r[4] for r in rows]}],
    }
    note = _("From the SLA clocks; only the dates filter applies.")
    return Figure("sla", _("SLA targets met"), cols, rows, chart, note)


def gap_key(text: str) -> str:
    """Questions that differ only in case, punctuation or spacing are one group."""
    return " ".join(_WORD.sub(" ", text.lower()).split())[:120]


def gaps(f: ReportFilter) -> Figure:
    turns = (
        AssistantTurn.objects.filter(
            conversation_q(f),
            account_id=f.account_id,
            created_at__gte=f.start(),
            created_at__lt=f.end(),
        )
        .filter(Q(is_oos=True) | Q(handoff_reason__in=GAP_REASONS))
        .order_by("-id")
        .values_list("message__content", "created_at", "handoff_reason")[:GAP_SCAN]
    )
    groups: dict[str, list[Any]] = {}
    for content, created_at, reason in turns:
        key = gap_key(content or "")
        if not key:
            continue
        slot = groups.setdefault(key, [content.strip()[:200], 0, created_at, defaultdict(int)])
        slot[1] += 1
        slot[3][reason or "out_of_scope"] += 1
    rows = [
        [example, n, last.date().isoformat(), max(reasons, key=reasons.__getitem__)]
        for example, n, last, reasons in sorted(groups.values(), key=lambda g: -g[1])[:50]
    ]
    cols = [_("Question"), _("Times asked"), _("Last asked"), _("Why unanswered")]
    return Figure("gaps", _("Knowledge gaps: questions the assistant could not answer"), cols, rows)


def agents(f: ReportFilter) -> Figure:
    """Per agent (leads only: the views check): replies, first responses and their times,
    resolutions and their times, reopen rate, CSAT and SLA met."""
    per_agent = daily_sums(f, by="agent_id")
    csat = dict(
        CsatResponse.objects.filter(
            conversation_q(f), offer__sent_at__gte=f.start(), offer__sent_at__lt=f.end()
        )
        .values_list("conversation__assignee_id")
        .annotate(a=Avg("score"))
    )
    sla_rows = {
        r.key: pct(r.met, r.total)
        for r in sla_report(account_id=f.account_id, group="agent", since=f.start(), until=f.end())
    }
    ids = [k for k in per_agent if k]
    names = {u.pk: u.public_name for u in User.objects.filter(account_id=f.account_id, pk__in=ids)}
    rows = []
    for agent_id in sorted(ids, key=lambda k: names.get(k, "")):
        s = per_agent[agent_id]
        frt, res = time_stats(s, "frt", f.basis), time_stats(s, "res", f.basis)
        score = csat.get(agent_id)
        rows.append(
            [
                names.get(agent_id, f"#{agent_id}"),
                int(s["agent_replies"]),
                int(s["first_responses"]),
                frt[0],
                frt[1],
                int(s["first_resolved"]),
                res[0],
                res[1],
                pct(s["fcr"], s["agent_resolved"]),
                pct(s["reopened_7d"], s["first_resolved"]),
                round(float(score), 2) if score is not None else None,
                sla_rows.get(str(agent_id)),
            ]
        )
    cols = [
        _("Agent"),
        _("Replies"),
        _("First responses"),
        _("First response, median (min)"),
        _("First response, p90 (min)"),
        _("Resolved"),
        _("Resolution, median (min)"),
        _("Resolution, p90 (min)"),
        _("First-contact resolution (%)"),
        _("Reopened within 7 days (%)"),
        _("CSAT average"),
        _("SLA met (%)"),
    ]
    chart = {
        "type": "bar",
        "labels": [r[0] for r in rows],
        "series": [{"label": cols[5], "data": [r[5] for r in rows]}],
    }
    return Figure("agents", _("Per-agent performance"), cols, rows, chart)
