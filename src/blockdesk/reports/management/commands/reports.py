"""`manage.py reports rebuild`: empties the report tables and reads the whole retained event
log into them again (the same consumer as the dispatcher's, run here until it has caught up).
`manage.py reports status`: how far behind the consumer is."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from blockdesk.events import consumers
from blockdesk.events.services import do_replay
from blockdesk.reports.event_consumers import CONSUMER
from blockdesk.reports.models import CaseState, DailyRollup


class Command(BaseCommand):
    help = "Rebuild the report tables from the event log."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "status"])
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            do_replay(consumer=CONSUMER, from_event_id=None)
            total = 0
            while got := consumers.dispatch_once(CONSUMER, batch=options["batch"]):
                total += got
            self.stdout.write(f"{CONSUMER}: {total} events read")
        self.stdout.write(
            f"cases={CaseState.objects.count()} daily_rows={DailyRollup.objects.count()}"
        )
