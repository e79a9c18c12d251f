"""`manage.py telegram poll [--inbox ID] [--once] [--wait SECONDS]`: long polling
(getUpdates) for Telegram bots in polling mode, for installs without a public URL.
`--once` handles what is waiting and exits (cron-friendly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blockdesk.connectors.telegram import api
from blockdesk.connectors.telegram.polling import poll_once, polling_channels, watch


class Command(BaseCommand):
    help = "Telegram channel tools: poll (long polling for bots without a webhook)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        poll = sub.add_parser("poll", help="Fetch updates with getUpdates.")
        poll.add_argument("--inbox", type=int, default=None)
        poll.add_argument("--once", action="store_true")
        poll.add_argument("--wait", type=int, default=25)

    def handle(self, *args: Any, **options: Any) -> None:
        inbox_id, wait = options["inbox"], options["wait"]
        if not options["once"]:
            watch(inbox_id=inbox_id, wait=wait)
            return
        channels = [c for c in polling_channels() if inbox_id in (None, c.inbox_id)]
        if inbox_id is not None and not channels:
            raise CommandError(f"no polling Telegram inbox {inbox_id}")
        for channel in channels:
            try:
                count = poll_once(channel, wait=0)
            except api.ApiFailure as exc:
                raise CommandError(f"inbox {channel.inbox_id}: {exc.reason}") from exc
            self.stdout.write(f"inbox {channel.inbox_id}: {count} updates")
