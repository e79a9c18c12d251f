"""Reports at a busy exchange's scale: a year of report tables for N conversations and ~10
messages each (default 1,000,000 and 10,000,000), then the p95 latency of every report
endpoint over the whole year on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/blockdesk_bench_reports \
        .venv/bin/python bench/reports.py [--conversations 1000000] [--runs 20] [--keep]

What is generated: the rollup rows that the `reports.rollups` consumer would have written
for those cases (a simulation of each case: day, hour, inbox → channel, team, the agent
who answered and resolved it, language, first-response and resolution times, replies,
first-contact resolution, reopenings, the assistant's handling and intent, tags), not the
13 million events themselves: the consumer's own speed is measured separately on real
events (`--consumer-events`, default 20,000) and the time to rebuild a year from the log is
extrapolated from it. Satisfaction, SLA and knowledge gaps read their own apps' tables and
are not part of this scale test (the tables are empty here).

The database named in DATABASE_URL is migrated and its report tables emptied first.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")

import argparse
import datetime as dt
import platform
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import django
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from blockdesk.accounts.models import Account, User  # noqa: E402
from blockdesk.accounts.services import do_create_agent, do_create_api_token  # noqa: E402
from blockdesk.reports import buckets  # noqa: E402
from blockdesk.reports.models import (  # noqa: E402
    AgentDaily,
    DailyRollup,
    IntentDaily,
    TagDaily,
)
from blockdesk.reports.selectors import FIGURE_KEYS  # noqa: E402

INBOXES = [
    ("web_widget", 0.45),
    ("web_widget", 0.15),
    ("email", 0.15),
    ("telegram", 0.12),
    ("discord", 0.06),
    ("x", 0.04),
    ("email", 0.03),
]
TEAMS, AGENTS_PER_TEAM = 4, 15
LANGUAGES = (("en", 0.5), ("zh", 0.4), ("ko", 0.1))
INTENTS = [f"intent-{i:02d}" for i in range(40)]
TAGS = [f"tag-{i:02d}" for i in range(30)]
MEASURED = ("volume", "channels", "inboxes", "heatmap", "times", "resolution", "assistant",
            "rising", "agents")  # fmt: skip


def simulate(n: int, messages: int, start: dt.date, seed: int = 14) -> dict[str, Any]:
    """The cases of a year as arrays (numpy: a million cases in a few seconds)."""
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 365, n)
    hour = np.clip(rng.normal(14, 4, n).round(), 0, 23).astype(int)
    inbox = rng.choice(len(INBOXES), n, p=[w for _k, w in INBOXES])
    team = rng.integers(0, TEAMS, n)
    agent = team * AGENTS_PER_TEAM + rng.integers(0, AGENTS_PER_TEAM, n)
    lang = rng.choice(len(LANGUAGES), n, p=[w for _k, w in LANGUAGES])
    frt = rng.lognormal(7.0, 1.4, n)  # seconds: median ~18 min
    res = frt + rng.lognormal(9.5, 1.3, n)  # median ~4 h more
    replies = np.maximum(0, rng.poisson(messages / n / 2, n))  # about half are agents'
    answered = replies > 0
    resolved = rng.random(n) < 0.93
    reopened = resolved & (rng.random(n) < 0.06)
    assistant = rng.random(n) < 0.55
    deflected = assistant & (rng.random(n) < 0.4)
    intent = rng.integers(0, len(INTENTS), n)
    tag = np.where(rng.random(n) < 0.5, rng.integers(0, len(TAGS), n), -1)
    return {k: v for k, v in locals().items() if isinstance(v, np.ndarray)} | {"start": start}


class counts_of:
    """Adds to the place's row and the agent's row at once."""

    def __init__(self, *rows: dict[str, float]) -> None:
        self.rows = rows

    def __getitem__(self, name: str) -> float:
        return self.rows[0][name]

    def __setitem__(self, name: str, value: float) -> None:
        delta = value - self.rows[0][name]
        for row in self.rows:
            row[name] += delta


def rollup_rows(sim: dict[str, Any], account_id: int, inbox_ids: list[int],
                team_ids: list[int], agent_ids: list[int]) -> dict[str, list[Any]]:  # fmt: skip
    start: dt.date = sim["start"]
    daily: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    agents: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    intents: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tags: dict[tuple, int] = defaultdict(int)
    frt_b = np.searchsorted(buckets.BOUNDS, sim["frt"], side="right")
    res_b = np.searchsorted(buckets.BOUNDS, sim["res"], side="right")
    frtb = sim["frt"] * 0.35  # business time: roughly office hours' share of the week
    resb = sim["res"] * 0.3
    frtb_b = np.searchsorted(buckets.BOUNDS, frtb, side="right")
    resb_b = np.searchsorted(buckets.BOUNDS, resb, side="right")
    for i in range(len(sim["day"])):
        d = int(sim["day"][i])
        ib = int(sim["inbox"][i])
        base = (d, inbox_ids[ib], INBOXES[ib][0], team_ids[int(sim["team"][i])],
                LANGUAGES[int(sim["lang"][i])][0])  # fmt: skip
        agent = agent_ids[int(sim["agent"][i])]
        row = daily[base]
        row["created"] += 1
        row[f"created_h{int(sim['hour'][i])}"] += 1
        if sim["assistant"][i]:
            row["assistant_handled"] += 1
            key = (*base, INTENTS[int(sim["intent"][i])])
            intents[key]["handled"] += 1
            if sim["deflected"][i]:
                row["assistant_resolved"] += 1
                intents[key]["deflected"] += 1
            else:
                row["assistant_handoffs"] += 1
                intents[key]["handed_off"] += 1
        if sim["tag"][i] >= 0:
            tags[(*base, TAGS[int(sim["tag"][i])])] += 1
        if not sim["answered"][i]:
            continue
        a = counts_of(row, agents[(d, agent, base[3])])
        a["agent_replies"] += int(sim["replies"][i])
        a["first_responses"] += 1
        a["frt_sum"] += float(sim["frt"][i])
        a["frtb_sum"] += float(frtb[i])
        a[f"frt_{frt_b[i]}"] += 1
        a[f"frtb_{frtb_b[i]}"] += 1
        if sim["resolved"][i]:
            a["resolved"] += 1 + int(sim["reopened"][i])
            a["first_resolved"] += 1
            a["agent_resolved"] += 1
            a["res_sum"] += float(sim["res"][i])
            a["resb_sum"] += float(resb[i])
            a[f"res_{res_b[i]}"] += 1
            a[f"resb_{resb_b[i]}"] += 1
            a["fcr"] += int(sim["replies"][i] == 1 and not sim["reopened"][i])
            a["reopened_7d"] += int(sim["reopened"][i])
            a["reopens"] += int(sim["reopened"][i])

    def day_of(d: int) -> dt.date:
        return start + dt.timedelta(days=d)

    return {
        "daily": [
            DailyRollup(account_id=account_id, day=day_of(k[0]), inbox_id=k[1], channel=k[2],
                        team_id=k[3], language=k[4],
                        **{n: (v if n.endswith("_sum") else int(v)) for n, v in c.items()})
            for k, c in daily.items()
        ],
        "agents": [
            AgentDaily(account_id=account_id, day=day_of(k[0]), agent_id=k[1], team_id=k[2],
                       **{n: (v if n.endswith("_sum") else int(v)) for n, v in c.items()})
            for k, c in agents.items()
        ],
        "intents": [
            IntentDaily(account_id=account_id, day=day_of(k[0]), inbox_id=k[1], channel=k[2],
                        team_id=k[3], language=k[4], intent=k[5], **c)
            for k, c in intents.items()
        ],
        "tags": [
            TagDaily(account_id=account_id, day=day_of(k[0]), inbox_id=k[1], channel=k[2],
                     team_id=k[3], language=k[4], tag=k[5], added=n)
            for k, n in tags.items()
        ],
    }  # fmt: skip


def setup_account() -> tuple[Account, str, list[int], list[int], list[int]]:
    from blockdesk.accounts.models import Team
    from blockdesk.connectors.services import do_create_web_widget_inbox

    account = Account.objects.create(name="Bench Exchange")
    admin = do_create_agent(account=account, username=f"bench-admin-{account.pk}",
                            email=f"admin{account.pk}@bench.invalid", password="x" * 16,
                            role=User.Role.ADMIN)  # fmt: skip
    inboxes = [
        do_create_web_widget_inbox(account=account, name=f"Inbox {i}", members=[admin]).inbox.pk
        for i in range(len(INBOXES))
    ]
    teams = [Team.objects.create(account=account, name=f"Team {t}").pk for t in range(TEAMS)]
    # Plain rows: sixty password hashes would cost more than the rest of the set-up.
    agents = [
        User.objects.create(account=account, username=f"bench-{account.pk}-{a}").pk
        for a in range(TEAMS * AGENTS_PER_TEAM)
    ]
    _token, plain = do_create_api_token(actor=admin, name="bench", scopes=["conversations:read"])
    return account, plain, inboxes, teams, agents


def measure(token: str, until: dt.date, runs: int) -> dict[str, dict[str, float]]:
    client = Client()
    auth = {"Authorization": f"Bearer {token}"}
    since = (until - dt.timedelta(days=364)).isoformat()
    cases = [(key, {"since": since, "until": until.isoformat()}) for key in MEASURED]
    cases.append(("times (business, one channel)",
                  {"since": since, "until": until.isoformat(), "basis": "business",
                   "channel": "email"}))  # fmt: skip
    cases.append(("volume (last 30 days)", {"until": until.isoformat()}))
    out = {}
    for label, params in cases:
        key = label.split(" ")[0]
        client.get(f"/api/v1/reports/{key}", params, headers=auth)  # warm-up
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            answer = client.get(f"/api/v1/reports/{key}", params, headers=auth)
            times.append(time.perf_counter() - started)
            assert answer.status_code == 200, (label, answer.content[:300])
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
        out[label] = {"median_ms": statistics.median(times) * 1000, "p95_ms": p95 * 1000}
    return out


def consumer_speed(events: int) -> float:
    """Events per second of the real consumer over a generated log of conversations."""
    from django.db import transaction

    from blockdesk.conversations.models import Contact
    from blockdesk.events.consumers import dispatch_once
    from blockdesk.events.services import do_replay
    from blockdesk.reports import rollup
    from blockdesk.reports.event_consumers import CONSUMER

    account = Account.objects.create(name="Consumer bench")
    admin = do_create_agent(account=account, username=f"cb-{account.pk}",
                            email=f"cb{account.pk}@bench.invalid", password="x" * 16,
                            role=User.Role.ADMIN)  # fmt: skip
    from blockdesk.connectors.services import do_create_web_widget_inbox
    from blockdesk.conversations import services as conv

    inbox = do_create_web_widget_inbox(account=account, name="W", members=[admin]).inbox
    contact = Contact.objects.create(account=account, name="C")
    made = 0
    case = None
    while made < events:
        with transaction.atomic():
            sent = conv.do_send_contact_message(contact=contact, inbox=inbox, conversation=case,
                                                content="where is my deposit")  # fmt: skip
            case = sent.message.conversation
            conv.do_send_agent_message(agent=admin, conversation=case, content="checking")
        made += 2
        if made % 10 == 0:
            case.refresh_from_db()
            conv.do_change_status(actor=admin, conversation=case, status="resolved")
            case = None
            made += 1
    rollup.forget(None)
    do_replay(consumer=CONSUMER, from_event_id=None)
    started, handled = time.perf_counter(), 0
    while got := dispatch_once(CONSUMER, batch=500):
        handled += got
    return handled / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=None, help="default: 10 per case")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--consumer-events", type=int, default=20_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is migrated and filled).")
    call_command("migrate", verbosity=0)
    for model in (DailyRollup, AgentDaily, IntentDaily, TagDaily):
        model.objects.all().delete()
    n = args.conversations
    messages = args.messages or 10 * n
    until = dt.date.today()
    started = time.perf_counter()
    account, token, inboxes, teams, agents = setup_account()
    sim = simulate(n, messages, until - dt.timedelta(days=364))
    rows = rollup_rows(sim, account.pk, inboxes, teams, agents)
    built = time.perf_counter() - started
    for name, objs in rows.items():
        type(objs[0]).objects.bulk_create(objs, batch_size=2000)
        print(f"{name}: {len(objs):,} rows")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_dailyrollup, reports_agentdaily, reports_intentdaily,"
                       " reports_tagdaily")  # fmt: skip
    print(f"generated {n:,} conversations / {messages:,} messages in "
          f"{time.perf_counter() - started:.0f} s (simulation {built:.0f} s)")  # fmt: skip
    results = measure(token, until, args.runs)
    print(f"\n| report (a year, {n:,} conversations) | median ms | p95 ms |")
    print("|---|---:|---:|")
    for label, r in results.items():
        print(f"| {label} | {r['median_ms']:.0f} | {r['p95_ms']:.0f} |")
    if args.consumer_events:
        speed = consumer_speed(args.consumer_events)
        events = n * 2 + messages + n  # created, status changes, messages, assistant…
        print(f"\nconsumer: {speed:,.0f} events/s; a rebuild of ~{events:,} events would take "
              f"~{events / speed / 3600:.1f} h")  # fmt: skip
    print(f"\nmachine: {platform.platform()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, PostgreSQL {connection.pg_version}")  # fmt: skip
    assert all(r["p95_ms"] < 1000 for r in results.values()), "p95 over 1 s"
    _ = FIGURE_KEYS


if __name__ == "__main__":
    main()
