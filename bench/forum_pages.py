"""Forum page latency and the leaderboard query on PostgreSQL, at a chosen size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/blockdesk_forum_bench \\
      .venv/bin/python bench/forum_pages.py --topics 100000 --posts 1000000

Migrates the database named by DATABASE_URL, fills it once (a second run with the same
sizes reuses the data), then times in-process requests (Django's test client: the whole
view, template and queries, no network) to the category page (page 1 and deeper pages, by
activity and by votes), the question page, the home page and the leaderboard page, and
the leaderboard query alone for week, month, all time and one category. Prints p50/p95
in milliseconds. The issue's targets: page p95 < 50 ms, leaderboard query < 20 ms.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from blockdesk.accounts.models import Account  # noqa: E402
from blockdesk.conversations.models import Contact  # noqa: E402
from blockdesk.customers.models import CustomerAccount  # noqa: E402
from blockdesk.forum import selectors  # noqa: E402
from blockdesk.forum.models import (  # noqa: E402
    Answer,
    Category,
    Question,
    ReputationEntry,
)

BATCH = 5000
CATEGORIES = 10


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def fill(*, topics: int, posts: int, members: int) -> Account:
    account = Account.objects.order_by("pk").first() or Account.objects.create(name="Bench")
    if Question.objects.filter(account=account).count() >= topics:
        print(f"reusing {topics} topics", file=sys.stderr)
        return account
    rng = random.Random(7)
    now = timezone.now()
    cats = [
        Category.objects.get_or_create(
            account=account, language="en", slug=f"c{i}", defaults={"name": f"Category {i}"}
        )[0]
        for i in range(CATEGORIES)
    ]
    contacts = Contact.objects.bulk_create(
        [Contact(account=account, email=f"bench{i}@example.com") for i in range(members)],
        batch_size=BATCH,
    )
    people = CustomerAccount.objects.bulk_create(
        [
            CustomerAccount(
                account=account, contact=c, display_name=f"bench-{i}", display_name_key=f"bench-{i}"
            )
            for i, c in enumerate(contacts)
        ],
        batch_size=BATCH,
    )
    print(f"{members} members", file=sys.stderr)
    body = "I sent USDT on Tron and it has not arrived. " * 8
    html = f"<p>{body}</p>"
    question_ids: list[tuple[int, int]] = []
    for start in range(0, topics, BATCH):
        rows = [
            Question(
                account=account,
                category=cats[i % CATEGORIES],
                author=people[rng.randrange(members)],
                title=f"Deposit question number {i} about network fees",
                body=body,
                body_html=html,
                score=rng.randrange(-2, 40),
                answer_count=0,
                last_activity_at=now - timedelta(minutes=rng.randrange(0, 60 * 24 * 365)),
            )
            for i in range(start, min(topics, start + BATCH))
        ]
        question_ids += [(q.pk, q.category_id) for q in Question.objects.bulk_create(rows)]
    print(f"{topics} topics", file=sys.stderr)
    answers = posts - topics
    for start in range(0, answers, BATCH):
        answer_rows: list[Answer] = []
        reps = []
        categories: list[int] = []
        for _i in range(start, min(answers, start + BATCH)):
            qid, cid = question_ids[rng.randrange(len(question_ids))]
            answer_rows.append(
                Answer(
                    account=account,
                    question_id=qid,
                    author=people[rng.randrange(members)],
                    body=body,
                    body_html=html,
                    score=rng.randrange(-1, 20),
                )
            )
            categories.append(cid)
        created = Answer.objects.bulk_create(answer_rows)
        for a, cid in zip(created, categories, strict=True):
            reps.append(
                ReputationEntry(
                    account=account,
                    member_id=int(a.author_id or 0),
                    category_id=cid,
                    points=10,
                    source=f"bench:{a.pk}",
                    created_at=now - timedelta(minutes=rng.randrange(0, 60 * 24 * 365)),
                )
            )
        ReputationEntry.objects.bulk_create(reps)
        if start // BATCH % 20 == 0:
            print(f"  {start + len(answer_rows)} answers", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE forum_question q SET answer_count = a.n FROM "
            "(SELECT question_id, count(*) n FROM forum_answer GROUP BY question_id) a "
            "WHERE a.question_id = q.id"
        )
        cursor.execute(
            "INSERT INTO forum_memberstats (member_id, account_id, reputation, trust_level, "
            "questions, answers, accepted) SELECT member_id, %s, sum(points), 1, 0, 0, 0 "
            "FROM forum_reputationentry GROUP BY member_id ON CONFLICT (member_id) DO NOTHING",
            [account.pk],
        )
        # The calendar week/month tables the leaderboard reads (reputation.py keeps them
        # in step for live points; the bench inserts entries directly).
        for kind, unit in (("w", "week"), ("m", "month")):
            for per_category in (False, True):
                cursor.execute(
                    "INSERT INTO forum_periodpoints (account_id, member_id, kind, start, scope, "
                    "points) SELECT account_id, member_id, %s, date_trunc(%s, created_at)::date, "
                    "CASE WHEN %s THEN category_id ELSE 0 END, sum(points) "
                    "FROM forum_reputationentry GROUP BY 1, 2, 4, 5",
                    [kind, unit, per_category],
                )
        cursor.execute("ANALYZE")
    print(f"{answers} answers", file=sys.stderr)
    return account


def time_pages(account: Account, *, requests: int) -> dict[str, list[float]]:
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    client = Client()
    rng = random.Random(11)
    ids = list(Question.objects.filter(account=account).values_list("pk", flat=True)[:50000])
    cats = list(Category.objects.filter(account=account).values_list("slug", flat=True))
    pages = {
        "category p1 (active)": lambda: f"/community/en/c/{rng.choice(cats)}/",
        "category p1-10 (votes)": lambda: (
            f"/community/en/c/{rng.choice(cats)}/?sort=votes&page={rng.randint(1, 10)}"
        ),
        "question": lambda: f"/community/en/q/{rng.choice(ids)}/",
        "home": lambda: "/community/en/",
        "leaderboard page (week)": lambda: "/community/en/leaderboard/?period=week",
    }
    out: dict[str, list[float]] = {}
    for name, url in pages.items():
        for _ in range(5):  # warm up
            client.get(url())
        samples = []
        for _ in range(requests):
            target = url()
            started = time.perf_counter()
            response = client.get(target)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (target, response.status_code)
        out[name] = samples
    return out


def time_leaderboard(account: Account, *, repeats: int) -> dict[str, list[float]]:
    category = Category.objects.filter(account=account).first()
    cases = {
        "week": {"period": "week"},
        "month": {"period": "month"},
        "all time": {"period": "all"},
        "one category, month": {
            "period": "month",
            "category_id": category.pk if category else None,
        },
    }
    out: dict[str, list[float]] = {}
    for name, kwargs in cases.items():
        selectors.leaderboard(account_id=account.pk, **kwargs)  # type: ignore[arg-type]
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            selectors.leaderboard(account_id=account.pk, **kwargs)  # type: ignore[arg-type]
            samples.append((time.perf_counter() - started) * 1000)
        out[name] = samples
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--topics", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=1_000_000, help="questions + answers")
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the benchmark fills it).")
    call_command("migrate", verbosity=0)
    account = fill(topics=args.topics, posts=args.posts, members=args.members)
    print(f"\n{args.topics} topics, {args.posts} posts, {args.members} members; PostgreSQL")
    print(f"{'what':32} {'p50 ms':>8} {'p95 ms':>8}")
    for name, samples in {
        **time_pages(account, requests=args.requests),
        **{f"leaderboard query: {k}": v for k, v in time_leaderboard(account, repeats=100).items()},
    }.items():
        print(f"{name:32} {statistics.median(samples):8.1f} {_pct(samples, 95):8.1f}")


if __name__ == "__main__":
    main()
