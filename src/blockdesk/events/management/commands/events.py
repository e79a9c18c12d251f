"""The event log from the command line:

events run [--once]                      dispatch to every consumer (a worker)
events status                            each consumer's lag, retries and dead events
events replay --consumer NAME [--from-event ID]   rebuild a consumer from the log
events retry --consumer NAME             give its dead events new attempts, due now
events purge                             delete events past retention, read by all
events schemas [NAME …]                  the JSON Schema of each event type
"""

from __future__ import annotations

import json
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blockdesk.events import runner, selectors, services
from blockdesk.events.consumers import get_consumer
from blockdesk.events.registry import UnknownEventType, all_schemas, json_schema


class Command(BaseCommand):
    help = "Run and inspect the event log's consumers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Dispatch events to every consumer.")
        run.add_argument("--once", action="store_true", help="One pass, then exit.")
        run.add_argument("--poll", type=float, default=runner.POLL_SECONDS)
        sub.add_parser("status", help="Each consumer's lag, retries and dead events.")
        replay = sub.add_parser("replay", help="Rebuild a consumer from the log.")
        replay.add_argument("--consumer", required=True)
        replay.add_argument("--from-event", type=int, default=None)
        retry = sub.add_parser("retry", help="Retry a consumer's dead events now.")
        retry.add_argument("--consumer", required=True)
        sub.add_parser("purge", help="Delete events past retention that every consumer read.")
        schemas = sub.add_parser("schemas", help="Print the JSON Schema of event types.")
        schemas.add_argument("names", nargs="*")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        getattr(self, f"_{action}")(options)

    def _consumer(self, name: str) -> str:
        try:
            return get_consumer(name).name
        except LookupError as exc:
            raise CommandError(str(exc)) from exc

    def _run(self, options: dict[str, Any]) -> None:
        if options["once"]:
            self.stdout.write(f"{runner.run_all_once()} events dispatched")
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        runner.run_forever(stop, poll=options["poll"])

    def _status(self, options: dict[str, Any]) -> None:
        for s in selectors.consumer_statuses():
            oldest = s.oldest_unhandled_age
            age = f"{oldest.total_seconds():.1f}s" if oldest is not None else "-"
            self.stdout.write(
                f"{s.name}\tmode={s.mode}\tposition={s.position_id}\tbehind={s.behind}"
                f"\toldest={age}\tretrying={s.retrying}\tdead={s.dead}"
                + ("\tPAUSED" if s.paused else "")
            )

    def _replay(self, options: dict[str, Any]) -> None:
        name = self._consumer(options["consumer"])
        services.do_replay(consumer=name, from_event_id=options["from_event"])
        self.stdout.write(f"{name}: rewound; the dispatcher hands it the log again")

    def _retry(self, options: dict[str, Any]) -> None:
        name = self._consumer(options["consumer"])
        self.stdout.write(f"{services.do_requeue_dead(consumer=name)} dead events due again")

    def _purge(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"{services.do_purge_events()} events deleted")

    def _schemas(self, options: dict[str, Any]) -> None:
        try:
            schemas = (
                {n: json_schema(n) for n in options["names"]} if options["names"] else all_schemas()
            )
        except UnknownEventType as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(schemas, indent=2, ensure_ascii=False))
