"""Server cost of the REST API's calls: CPU and SQL statements per call.

    .venv/bin/python bench/api_cost.py                      # SQLite (a fresh temp file)
    .venv/bin/python bench/api_cost.py --postgres           # a fresh PostgreSQL database
    .venv/bin/python bench/api_cost.py --postgres --redis   # + the Redis channel layer/cache
    .venv/bin/python bench/api_cost.py --postgres --helpdesk /tmp/hd-venv/bin/python

Each run migrates a fresh database (the test suite's migrated template makes that
quick), seeds one account (an admin, an agent, a web-widget inbox, 200 contacts, 100
conversations of 5 messages) and an API token with every scope, then calls each endpoint
in this process through the ASGI application uvicorn serves (`--server wsgi`: Django's
WSGI handler) with bench/support/wsgi_cost.py: all middleware, authentication, the view
and the response, no client and no network. Per call: this process's CPU (median and
p95 of --iterations calls, all threads), the wall time, the SQL statements (writes
apart) and, on PostgreSQL, the database server's CPU. The timed calls are interleaved
(one of each kind per round) so that every kind sees the same machine load.

The settings are production's (DEBUG off, the connection pool on PostgreSQL); the token
touch (`last_used_at`) is at its default interval, so the steady state is measured: a
token used in the last BLOCKDESK_API_TOKEN_TOUCH_SECONDS writes nothing.

--helpdesk PYTHON measures django-helpdesk's REST API the same way and at the same time
(create a ticket, add a follow-up, list, get): PYTHON is a throwaway virtualenv with
django-helpdesk 2.6.1 and djangorestframework (docs/benchmarks/api.md);
bench/support/helpdesk_peer.py builds a minimal project for it on the same database
server. Nothing of it is imported here.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "src")]

PG_BASE = "postgres://postgres@127.0.0.1:5432/blockdesk"
V1 = "/api/v1"


def _seed() -> dict[str, Any]:
    from django.db import transaction

    from blockdesk.accounts.models import Account, ApiToken, User
    from blockdesk.accounts.services import do_create_agent, do_create_api_token
    from blockdesk.connectors.services import do_create_web_widget_inbox
    from blockdesk.conversations import services
    from blockdesk.conversations.models import Contact

    account = Account.objects.create(name="Bench Exchange")
    admin = do_create_agent(
        account=account, username="root", email="root@example.com",
        password=uuid.uuid4().hex, role=User.Role.ADMIN,
    )  # fmt: skip
    agent = do_create_agent(
        account=account, username="alice", email="alice@example.com", password=uuid.uuid4().hex
    )
    channel = do_create_web_widget_inbox(account=account, name="Website", members=[agent])
    with transaction.atomic():
        contacts = Contact.objects.bulk_create(
            Contact(account=account, name=f"Customer {i}", email=f"c{i}@example.com")
            for i in range(200)
        )
    conversations = []
    for contact in contacts[:100]:
        sent = services.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=None, content="Where is my deposit?"
        )
        conv = sent.message.conversation
        for k in range(4):
            services.do_send_contact_message(
                contact=contact, inbox=channel.inbox, conversation=conv, content=f"More {k}"
            )
        conversations.append(conv)
    _token, plain = do_create_api_token(
        actor=admin, name="bench", scopes=list(ApiToken.Scope.values)
    )
    return {
        "token": plain,
        "inbox": channel.inbox.pk,
        "agent": agent.pk,
        "contacts": [c.pk for c in contacts],
        "conversations": [c.pk for c in conversations],
    }


def _print_sql(call: Any, make: Any) -> None:
    """The statements of one call (after a warm-up call), in order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call(make(0))
    with CaptureQueriesContext(connection) as ctx:
        call(make(1))
    for n, q in enumerate(ctx.captured_queries, 1):
        print(f"{n:3d}. {q['sql'][:300]}")


def _profile(call: Any, make: Any, iterations: int) -> None:
    """Where one call's CPU goes: cProfile over `iterations` calls, top 40 by own time
    and by cumulative time."""
    import cProfile
    import pstats

    for i in range(5):
        call(make(i))
    prof = cProfile.Profile(time.process_time)  # CPU, not time spent waiting on the database
    prof.enable()
    for i in range(5, 5 + iterations):
        call(make(i))
    prof.disable()
    stats = pstats.Stats(prof).strip_dirs()
    stats.sort_stats("tottime").print_stats(40)
    stats.sort_stats("cumulative").print_stats(60)


def child(iterations: int, profile: str | None, server: str) -> None:
    import django

    django.setup()
    from bench.support.wsgi_cost import (
        AsgiCaller,
        Caller,
        Req,
        load_line,
        measure_all,
        print_table,
    )
    from django.conf import settings
    from django.db import connection

    data = _seed()
    pg = connection.vendor == "postgresql"
    dbname = settings.DATABASES["default"]["NAME"] if pg else None
    headers = {"Authorization": f"Bearer {data['token']}"}
    wsgi = Caller(headers)
    if server == "asgi":
        from blockdesk.asgi import application  # the HTTP handler uvicorn serves

        call: Caller = AsgiCaller(headers, application)
    else:
        call = wsgi
    contacts, convs = data["contacts"], data["conversations"]

    def pick(ids: list[int], i: int) -> int:
        return ids[i % len(ids)]

    def create(i: int) -> Req:
        body = {
            "inbox_id": data["inbox"],
            "contact_id": pick(contacts, i),
            "subject": "Withdrawal stuck",
            "content": f"My withdrawal {i} has not arrived",
            "idempotency_key": uuid.uuid4().hex,
        }
        return Req("POST", f"{V1}/conversations", body)

    def contact_follow_up(i: int) -> Req:
        body = {"sender": "contact", "content": f"Any news? ({i})"}
        return Req("POST", f"{V1}/conversations/{pick(convs, i)}/messages", body)

    def agent_reply(i: int) -> Req:
        body = {"sender": "agent", "agent_id": data["agent"], "content": f"Checking ({i})"}
        return Req("POST", f"{V1}/conversations/{pick(convs, i)}/messages", body)

    calls = [
        ("create conversation", create),
        ("follow-up (contact)", contact_follow_up),
        ("follow-up (agent reply)", agent_reply),
        ("list conversations (25)", lambda i: Req("GET", f"{V1}/conversations", query="limit=25")),
        ("get conversation", lambda i: Req("GET", f"{V1}/conversations/{pick(convs, i)}")),
        (
            "list messages",
            lambda i: Req("GET", f"{V1}/conversations/{pick(convs, i)}/messages"),
        ),
        (
            "update conversation (priority)",
            lambda i: Req(
                "PATCH",
                f"{V1}/conversations/{pick(convs, i)}",
                {"priority": ["low", "high"][i % 2]},
            ),
        ),
        ("list contacts (25)", lambda i: Req("GET", f"{V1}/contacts", query="limit=25")),
        ("get contact", lambda i: Req("GET", f"{V1}/contacts/{pick(contacts, i)}")),
        ("list inboxes", lambda i: Req("GET", f"{V1}/inboxes")),
        ("list agents", lambda i: Req("GET", f"{V1}/agents")),
    ]
    if profile and profile.startswith("sql:"):
        _print_sql(wsgi, dict(calls)[profile[4:]])
        return
    if profile:
        _profile(call, dict(calls)[profile], iterations)
        return
    results = measure_all(calls, call, iterations=iterations, pg_dbname=dbname, count_with=wsgi)
    title = f"Blockdesk ({server.upper()}), {connection.vendor}"
    title += " + Redis" if settings.REDIS_URL else ""
    print_table(title, results)
    print(f"\n{iterations} calls each; {load_line()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument(
        "--server",
        choices=["asgi", "wsgi"],
        default="asgi",
        help="the handler calls go through (default asgi: production runs uvicorn)",
    )
    parser.add_argument(
        "--profile",
        metavar="CALL",
        help="cProfile one call, e.g. 'list agents'; 'sql:list agents' prints its SQL",
    )
    parser.add_argument(
        "--bench-settings",
        action="store_true",
        help="run with bench/support/bench_settings.py (its BENCH_* overrides)",
    )
    parser.add_argument("--helpdesk", metavar="PYTHON", help="django-helpdesk's interpreter")
    args = parser.parse_args()
    from tests.support.live_server import migrate, server_env, temp_database

    with (
        tempfile.TemporaryDirectory() as tmp,
        temp_database(base_url=PG_BASE if args.postgres else None, directory=Path(tmp)) as url,
    ):
        env = server_env(
            database_url=url,
            data_dir=Path(tmp) / "data",
            redis_url="redis://127.0.0.1:6379/0" if args.redis else None,
        )
        migrate(env)
        if args.bench_settings:
            env["DJANGO_SETTINGS_MODULE"] = "bench.support.bench_settings"
        cmd = [
            sys.executable,
            __file__,
            "--child",
            str(args.iterations),
            args.profile or "",
            args.server,
        ]
        peer: list[str] = []
        if args.helpdesk and not args.profile:
            # At the same time, so both see the same machine load (each measures only
            # its own process's CPU).
            from bench.support import helpdesk_peer

            def run_peer() -> None:
                peer.append(
                    helpdesk_peer.run(
                        python=args.helpdesk, postgres=args.postgres, iterations=args.iterations
                    )
                )

            thread = threading.Thread(target=run_peer)
            thread.start()
        subprocess.run(cmd, env=env, check=True, cwd=REPO)
        if args.helpdesk and not args.profile:
            thread.join()
            print("".join(peer))


if __name__ == "__main__":
    if "--child" in sys.argv:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")
        at = sys.argv.index("--child")
        child(int(sys.argv[at + 1]), sys.argv[at + 2] or None, sys.argv[at + 3])
    else:
        main()
