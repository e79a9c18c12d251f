"""Forum page latency and the leaderboard query on PostgreSQL, at the issue's size.

    createdb -h 127.0.0.1 -U postgres blockdesk_forumbench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/blockdesk_forumbench \\
      .venv/bin/python bench/forum_pages.py            # 100,000 questions, 1,000,000 posts
    .venv/bin/python bench/forum_pages.py --small      # 10,000 / 100,000 (a quick look)
    dropdb -h 127.0.0.1 -U postgres blockdesk_forumbench

Migrates the database named by DATABASE_URL and fills it in bulk SQL (bench/forum_fill.py;
a second run on a filled database reuses the data), then times in-process requests
(Django's test client: the whole view, template and queries, no network) to every public
forum page — category lists in each sort and deep pages, questions (typical, the most
answered, signed in), tags, members, search, related.json, leaderboards — and the
leaderboard query alone (week, month, all time; overall and per category). Prints p50/p95
in milliseconds and the queries per page. The issue's targets: page p95 < 50 ms,
leaderboard query < 20 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")
django.setup()

from bench.forum_fill import Sizes, fill  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from blockdesk.accounts.models import Account  # noqa: E402
from blockdesk.customers import services as customer_services  # noqa: E402
from blockdesk.customers.selectors import SESSION_COOKIE  # noqa: E402
from blockdesk.forum import selectors  # noqa: E402
from blockdesk.forum.models import Category, MemberStats, Question, Tag, Vote  # noqa: E402


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _account() -> Account:
    return Account.objects.order_by("pk").first() or Account.objects.create(name="Bench")


class Pages:
    """URL makers for each page kind, drawn from the filled data."""

    def __init__(self, account: Account) -> None:
        self.rng = random.Random(11)
        published = Question.objects.filter(
            account=account, status="published", category__language="en"
        )
        self.typical = list(
            published.filter(answer_count__range=(3, 12)).values_list("pk", flat=True)[:5000]
        )
        self.busiest = list(
            published.order_by("-answer_count").values_list("pk", "answer_count")[:20]
        )
        self.en = list(
            Category.objects.filter(account=account, language="en").values_list("slug", flat=True)
        )
        self.tags = list(Tag.objects.filter(account=account).values_list("name", flat=True))
        self.members = list(
            MemberStats.objects.filter(account=account, answers__gt=0)
            .order_by("-answers")
            .values_list("member_id", flat=True)[:2000]
        )
        # A signed-in reader who votes a lot: the page also reads their votes.
        voter = Vote.objects.filter(account=account).values_list("voter_id", flat=True).first()
        self.reader = Client()
        if voter is not None:
            from blockdesk.customers.models import CustomerAccount

            started = customer_services.do_start_session(
                customer=CustomerAccount.objects.get(pk=voter), method="email_link"
            )
            self.reader.cookies[SESSION_COOKIE] = started.token
        self.queries = [
            "usdt trc20 arrived",
            "withdraw metamask",
            "bridge optimism pending",
            "ledger segwit",
            "airdrop memo",
        ]

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def cases(self) -> dict[str, Callable[[], str]]:
        r = self.rng
        return {
            "home": lambda: "/community/en/",
            "category p1 (active)": lambda: f"/community/en/c/{self.pick(self.en)}/",
            "category p1 (votes)": lambda: f"/community/en/c/{self.pick(self.en)}/?sort=votes",
            "category p1 (new)": lambda: f"/community/en/c/{self.pick(self.en)}/?sort=new",
            "category p1 (unanswered)": lambda: (
                f"/community/en/c/{self.pick(self.en)}/?unanswered=1"
            ),
            "category deep p50-300 (active)": lambda: (
                f"/community/en/c/{self.pick(self.en)}/?page={r.randint(50, 300)}"
            ),
            "category deep p50-300 (votes)": lambda: (
                f"/community/en/c/{self.pick(self.en)}/?sort=votes&page={r.randint(50, 300)}"
            ),
            "question (3-12 answers)": lambda: f"/community/en/q/{r.choice(self.typical)}/",
            "question (most answers)": lambda: f"/community/en/q/{r.choice(self.busiest)[0]}/",
            "tag (popular)": lambda: f"/community/en/t/{self.pick(self.tags[:5])}/",
            "tag (long tail)": lambda: f"/community/en/t/{self.pick(self.tags[-60:])}/",
            "member": lambda: f"/community/en/u/{r.choice(self.members)}/",
            "search": lambda: f"/community/en/search/?q={self.pick(self.queries)}",
            "related.json": lambda: f"/community/en/related.json?q={self.pick(self.queries)}",
            "leaderboard page (week)": lambda: "/community/en/leaderboard/?period=week",
            "leaderboard page (all, category)": lambda: (
                f"/community/en/leaderboard/?period=all&category={self.pick(self.en)}"
            ),
        }


def time_pages(
    account: Account, *, requests: int
) -> dict[str, tuple[list[float], list[float], int]]:
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    pages = Pages(account)
    client = Client()
    cases: dict[str, tuple[Client, Callable[[], str]]] = {
        name: (client, url) for name, url in pages.cases().items()
    }
    cases["question (signed in, votes read)"] = (
        pages.reader,
        lambda: f"/community/en/q/{pages.rng.choice(pages.typical)}/",
    )
    out: dict[str, tuple[list[float], list[float], int]] = {}
    n = 0
    for name, (who, url) in cases.items():
        for _ in range(5):  # warm up
            n += 1
            who.get(url(), REMOTE_ADDR=f"10.9.{n // 250 % 250}.{n % 250}")
        samples: list[float] = []
        cpu: list[float] = []
        queries = 0
        for _ in range(requests):
            n += 1
            target = url()
            with CaptureQueriesContext(connection) as captured:
                started, cpu_started = time.perf_counter(), time.process_time()
                # A fresh address per request: the search rate limit is per client.
                response = who.get(target, REMOTE_ADDR=f"10.8.{n // 250 % 250}.{n % 250}")
                samples.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
            queries = max(queries, len(captured))
            assert response.status_code == 200, (target, response.status_code)
        out[name] = (samples, cpu, queries)
    return out


def time_leaderboard(account: Account, *, repeats: int) -> dict[str, list[float]]:
    category = Category.objects.filter(account=account, language="en").first()
    cat_id = category.pk if category else None
    cases = {
        f"{period}{' / category' if per else ''}": {
            "period": period,
            "category_id": cat_id if per else None,
        }
        for per in (False, True)
        for period in ("week", "month", "all")
    }
    out: dict[str, list[float]] = {}
    for name, kwargs in cases.items():
        selectors.leaderboard(account_id=account.pk, **kwargs)  # type: ignore[arg-type]
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            ranked = selectors.leaderboard(account_id=account.pk, **kwargs)  # type: ignore[arg-type]
            samples.append((time.perf_counter() - started) * 1000)
        assert ranked, name  # the filled data must rank someone in every period
        out[name] = samples
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000, help="answers + comments")
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--votes", type=int, default=700_000)
    parser.add_argument("--small", action="store_true", help="a tenth of every size")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--fill-only", action="store_true", help="fill the database and stop")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the benchmark fills it).")
    div = 10 if args.small else 1
    sizes = Sizes(
        questions=args.questions // div,
        posts=args.posts // div,
        members=args.members // div,
        votes=args.votes // div,
    )
    call_command("migrate", verbosity=0)
    account = _account()
    if Question.objects.filter(account=account).exists():
        print("reusing the filled data", file=sys.stderr)
    else:
        fill(account, sizes)
    if args.fill_only:
        return
    counts = {
        "questions": Question.objects.count(),
        "answers": _count("forum_answer"),
        "comments": _count("forum_comment"),
        "votes": _count("forum_vote"),
        "reputation entries": _count("forum_reputationentry"),
        "members": MemberStats.objects.count(),
    }
    print("\n" + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + "; PostgreSQL")
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()}")
    # Wall time is what a visitor waits; the web process's own CPU time (Python: view,
    # ORM, template) does not count waiting for a core or for PostgreSQL, so on a shared
    # machine it shows what the page costs without the other tenants.
    print(f"| {'what':38} | p50 ms | p95 ms | CPU p50 ms | queries |")
    print(f"|{'-' * 40}|-------:|-------:|-----------:|--------:|")
    for name, (samples, cpu, queries) in time_pages(account, requests=args.requests).items():
        print(
            f"| {name:38} | {statistics.median(samples):6.1f} | {_pct(samples, 95):6.1f} "
            f"| {statistics.median(cpu):10.1f} | {queries:7} |"
        )
    for name, samples in time_leaderboard(account, repeats=100).items():
        print(
            f"| {'leaderboard query: ' + name:38} | {statistics.median(samples):6.1f} "
            f"| {_pct(samples, 95):6.1f} | {'':10} | {1:7} |"
        )
    print(f"load average after {os.getloadavg()}")


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
        return int(cursor.fetchone()[0])


if __name__ == "__main__":
    main()
