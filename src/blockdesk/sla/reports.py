"""Share of SLA targets met, per policy, team, agent or channel (docs/sla.md, "Reports").

A target counts when it ends: met when the answer or the resolution came within it, missed
when it came late, or when the case was resolved with the response target already overdue.
Targets still running, and ones cancelled (a case resolved with no reply due yet, or a
policy that stopped applying), are not counted. The team, agent and channel are the
conversation's when the target ended: the agent who answered, for response targets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Team, User
from blockdesk.sla.models import SlaClock, SlaPolicy, Target

GROUPS = {
    "policy": "policy_id",
    "team": "team_id",
    "agent": "agent_id",
    "channel": "channel_kind",
}


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    total: int
    met: int

    @property
    def missed(self) -> int:
        return self.total - self.met

    @property
    def met_share(self) -> float | None:
        return self.met / self.total if self.total else None

    def as_dict(self) -> dict[str, object]:
        share = self.met_share
        return {
            "key": self.key,
            "label": self.label,
            "total": self.total,
            "met": self.met,
            "missed": self.missed,
            "met_share": round(share, 4) if share is not None else None,
        }


def _labels(group: str, account_id: int, keys: set[object]) -> dict[object, str]:
    ids = {k for k in keys if isinstance(k, int)}
    if group == "policy":
        policies = SlaPolicy.objects.filter(account_id=account_id, pk__in=ids)
        return dict(policies.values_list("pk", "name"))
    if group == "team":
        teams = Team.objects.filter(account_id=account_id, pk__in=ids)
        return dict(teams.values_list("pk", "name"))
    if group == "agent":
        agents = User.objects.filter(account_id=account_id, pk__in=ids)
        return {u.pk: u.public_name for u in agents}
    return {k: str(k) for k in keys}  # a channel kind names itself (web_widget, email)


def sla_report(
    *,
    account_id: int,
    group: str,
    since: dt.datetime,
    until: dt.datetime,
    target: str | None = None,
) -> list[ReportRow]:
    if group not in GROUPS:
        raise ValueError(group)
    field = GROUPS[group]
    qs = SlaClock.objects.filter(
        account_id=account_id,
        state=SlaClock.State.DONE,
        stopped_at__gte=since,
        stopped_at__lt=until,
    )
    if target is not None:
        if target not in Target.values:
            raise ValueError(target)
        qs = qs.filter(target=target)
    rows = list(qs.values(field).annotate(total=Count("id"), met=Count("id", filter=Q(met=True))))
    labels = _labels(group, account_id, {r[field] for r in rows})
    out = []
    for r in rows:
        key = r[field]
        label = labels.get(key) if key not in (None, "") else None
        out.append(
            ReportRow(
                key="" if key is None else str(key),
                label=label or _("(none)"),
                total=r["total"],
                met=r["met"],
            )
        )
    out.sort(key=lambda row: (-row.total, row.label))
    return out
