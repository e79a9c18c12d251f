"""Run the periodic jobs forever (or once with --once), for installs whose task
workers run apart from the web nodes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from blockdesk.common.periodic import run_periodic_forever, run_periodic_once


class Command(BaseCommand):
    help = "Run periodic jobs (snooze wake-ups, …)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=30.0)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            run_periodic_once()
        else:
            run_periodic_forever(options["interval"])
