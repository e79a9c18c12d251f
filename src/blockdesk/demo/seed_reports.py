"""Demo history for the reports section (docs/reports.md): twelve weeks of report rows for
the demo account's inboxes, teams and agents, so `make run` shows every chart at once. They
stand for cases older than the demo's conversations (whose own events the `reports.rollups`
consumer adds as they come); `manage.py reports rebuild` replaces them with the log's."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.utils import timezone

from blockdesk.accounts.models import Account, Team, User
from blockdesk.conversations.models import Inbox
from blockdesk.reports import buckets
from blockdesk.reports.models import AgentDaily, DailyRollup, IntentDaily, TagDaily

DAYS = 84
INTENTS = (
    "deposit-not-arrived",
    "withdrawal-pending",
    "kyc-verification",
    "2fa-reset",
    "wrong-network",
    "fees",
)
TAGS = ("withdrawal", "deposit", "kyc", "security", "listing")


def seed(*, account: Account, seed_value: int = 14) -> None:
    rng = random.Random(seed_value)
    inboxes = list(Inbox.objects.filter(account=account))
    team = Team.objects.filter(account=account).first()
    agents = list(User.objects.filter(account=account, role=User.Role.AGENT))
    if not inboxes or not agents:
        return
    team_id = team.pk if team else 0
    today = timezone.now().astimezone(dt.UTC).date()
    daily: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    per_agent: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    intents: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tags: dict[tuple, int] = defaultdict(int)
    for back in range(DAYS, 0, -1):
        day = today - dt.timedelta(days=back)
        weekend = day.weekday() >= 5
        rising = back <= 7  # a listing this week: more of it
        for _case in range(rng.randint(8, 14) if weekend else rng.randint(18, 30)):
            inbox = rng.choice(inboxes)
            lang = rng.choice(("en", "en", "zh"))
            key = (day, inbox.pk, inbox.channel_kind, lang)
            row = daily[key]
            hour = min(23, max(0, int(rng.gauss(14, 4))))
            row["created"] += 1
            row[f"created_h{hour}"] += 1
            intent = "listing-question" if rising and rng.random() < 0.3 else rng.choice(INTENTS)
            if rng.random() < 0.6:
                slot = intents[(day, inbox.pk, inbox.channel_kind, lang, intent)]
                slot["handled"] += 1
                if rng.random() < 0.45:
                    slot["deflected"] += 1
                    row["assistant_handled"] += 1
                    row["assistant_resolved"] += 1
                    continue
                slot["handed_off"] += 1
                row["assistant_handled"] += 1
                row["assistant_handoffs"] += 1
            tag = "listing" if rising and rng.random() < 0.4 else rng.choice(TAGS)
            tags[(day, inbox.pk, inbox.channel_kind, lang, tag)] += 1
            agent = rng.choice(agents)
            mine = per_agent[(day, agent.pk)]
            replies = rng.choice((1, 1, 1, 2, 2, 3))
            frt = rng.lognormvariate(6.5, 1.1)
            res = frt + rng.lognormvariate(9.0, 1.2)
            reopened = rng.random() < 0.07
            for target in (row, mine):
                target["agent_replies"] += replies
                target["first_responses"] += 1
                target["frt_sum"] += frt
                target["frtb_sum"] += frt * 0.8
                target[f"frt_{buckets.bucket_of(frt)}"] += 1
                target[f"frtb_{buckets.bucket_of(frt * 0.8)}"] += 1
                target["resolved"] += 1
                target["first_resolved"] += 1
                target["agent_resolved"] += 1
                target["res_sum"] += res
                target["resb_sum"] += res * 0.5
                target[f"res_{buckets.bucket_of(res)}"] += 1
                target[f"resb_{buckets.bucket_of(res * 0.5)}"] += 1
                target["fcr"] += int(replies == 1 and not reopened)
                target["reopened_7d"] += int(reopened)
                target["reopens"] += int(reopened)
    DailyRollup.objects.bulk_create(
        DailyRollup(
            account_id=account.pk,
            day=k[0],
            inbox_id=k[1],
            channel=k[2],
            team_id=team_id,
            language=k[3],
            **{n: _num(n, v) for n, v in c.items()},
        )
        for k, c in daily.items()
    )
    AgentDaily.objects.bulk_create(
        AgentDaily(
            account_id=account.pk,
            day=k[0],
            agent_id=k[1],
            team_id=team_id,
            **{n: _num(n, v) for n, v in c.items()},
        )
        for k, c in per_agent.items()
    )
    IntentDaily.objects.bulk_create(
        IntentDaily(
            account_id=account.pk,
            day=k[0],
            inbox_id=k[1],
            channel=k[2],
            language=k[3],
            intent=k[4],
            team_id=0,
            **c,
        )
        for k, c in intents.items()
    )
    TagDaily.objects.bulk_create(
        TagDaily(
            account_id=account.pk,
            day=k[0],
            inbox_id=k[1],
            channel=k[2],
            language=k[3],
            tag=k[4],
            added=n,
        )
        for k, n in tags.items()
    )


def _num(name: str, value: float) -> float | int:
    return value if name.endswith("_sum") else int(value)
