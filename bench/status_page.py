"""Status page latency: /status/ (components, 90-day uptime bars, open and recent incidents)
and one incident page, with a year of history.

    createdb -h 127.0.0.1 -U postgres blockdesk_statusbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/blockdesk_statusbench \\
      .venv/bin/python bench/status_page.py --components 16 --incidents 300
    dropdb -h 127.0.0.1 -U postgres blockdesk_statusbench

Migrates the database named by DATABASE_URL (SQLite works too), adds `--components`
components with state changes every few days over a year (some automatic, as the chain
watcher writes them), `--incidents` resolved incidents with three updates each spread over
that year, two open incidents and one scheduled maintenance through the services, then
times in-process requests (Django's test client: view, queries, template; no network).
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")

import argparse
import datetime as dt
import random
import statistics
import sys
import time

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from blockdesk.accounts.models import Account, User  # noqa: E402
from blockdesk.accounts.services import do_create_agent  # noqa: E402
from blockdesk.statuspage import services  # noqa: E402
from blockdesk.statuspage.models import (  # noqa: E402
    Component,
    Incident,
    IncidentUpdate,
    State,
    StateChange,
)

STATES = [State.DEGRADED, State.PARTIAL_OUTAGE, State.MAJOR_OUTAGE]


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def fill(*, components: int, incidents: int) -> None:
    rng = random.Random(5)
    now = timezone.now()
    account = Account.objects.order_by("pk").first() or Account.objects.create(name="Bench")
    admin = User.objects.filter(account=account, role=User.Role.ADMIN).first() or (
        do_create_agent(
            account=account,
            username="statusbench",
            email="statusbench@example.com",
            password="bench-password-1234",
            role=User.Role.ADMIN,
        )
    )
    comps = [
        services.do_create_component(
            actor=admin, key=f"component-{i}", name=f"Component {i}", group=f"Group {i % 4}"
        )
        for i in range(components)
    ]
    changes = []
    for comp in comps:
        at = now - dt.timedelta(days=365)
        while True:
            at += dt.timedelta(hours=rng.uniform(24, 24 * 8))
            back = at + dt.timedelta(minutes=rng.uniform(5, 240))
            if back >= now:
                break
            automatic = rng.random() < 0.4
            changes += [
                StateChange(component=comp, state=rng.choice(STATES), at=at, automatic=automatic),
                StateChange(component=comp, state=State.OPERATIONAL, at=back, automatic=automatic),
            ]
            at = back
    StateChange.objects.bulk_create(changes, batch_size=2000)
    for i in range(incidents):
        started = now - dt.timedelta(days=rng.uniform(0.5, 365))
        resolved = started + dt.timedelta(hours=rng.uniform(0.2, 12))
        incident = Incident.objects.create(
            account=account,
            title=f"Delayed deposits on network {i}",
            status=Incident.Status.RESOLVED,
            impact=rng.choice(STATES),
            started_at=started,
            resolved_at=resolved,
            created_by=admin,
        )
        incident.components.set(rng.sample(comps, k=rng.randint(1, 3)))
        IncidentUpdate.objects.bulk_create(
            [
                IncidentUpdate(
                    incident=incident,
                    status=status,
                    body=f"{status}: deposits on this network are delayed; funds are safe.",
                    created_at=started + (resolved - started) * step / 2,
                    author=admin,
                )
                for step, status in enumerate(["investigating", "monitoring", "resolved"])
            ]
        )
    for i in range(2):
        services.do_open_incident(
            actor=admin,
            title=f"Open incident {i}",
            body="We are looking into slow withdrawals.",
            component_ids=[comps[i].pk],
            impact=State.PARTIAL_OUTAGE,
        )
    services.do_open_incident(
        actor=admin,
        title="Database maintenance",
        body="Withdrawals pause for 30 minutes.",
        component_ids=[comps[-1].pk],
        kind=Incident.Kind.MAINTENANCE,
        scheduled_start=now + dt.timedelta(days=2),
        scheduled_end=now + dt.timedelta(days=2, minutes=30),
    )
    print(f"{components} components, {len(changes)} state changes, {incidents} incidents")


class _Counter:
    """An execute wrapper that notes each query (the page's query count)."""

    def __init__(self, into: list[str]) -> None:
        self.into = into

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.into.append(sql)
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--components", type=int, default=16)
    parser.add_argument("--incidents", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Component.objects.exists():
        fill(components=args.components, incidents=args.incidents)
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    client = Client()
    recent = Incident.objects.filter(resolved_at__isnull=False).order_by("-started_at").first()
    assert recent is not None
    pages = {"status page": "/status/", "incident page": f"/status/incidents/{recent.pk}/"}
    print(f"{connection.vendor}; nproc {os.cpu_count()}, load average {os.getloadavg()}")
    print(f"| {'what':16} | p50 ms | p95 ms | queries |")
    for name, url in pages.items():
        for _ in range(5):
            client.get(url)
        samples = []
        executed: list[str] = []
        with connection.execute_wrapper(_Counter(executed)):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
        print(
            f"| {name:16} | {statistics.median(samples):6.1f} | {_pct(samples, 95):6.1f} "
            f"| {len(executed):7} |"
        )
    print(f"load average after {os.getloadavg()}", file=sys.stderr)


if __name__ == "__main__":
    main()
