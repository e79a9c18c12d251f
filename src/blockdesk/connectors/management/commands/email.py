"""`manage.py email …`: the email channel's commands (docs/email.md).

`ingest`, `imap` and `test-connection` live in connectors/email/cli.py; `extract-reply`
in connectors/email_reply (added next to these when that package lands)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from blockdesk.connectors.email import cli


class Command(BaseCommand):
    help = "Email channel: ingest a raw mail, sync IMAP mailboxes, test a connection."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        cli.add_subcommands(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        status = cli.run(options, self.stdout, options.get("stdin"))
        if status:
            raise SystemExit(status)
