"""`manage.py email …`: the email channel's commands (docs/email.md, docs/email-reply.md).

`ingest`, `imap`, `lmtp` and `test-connection` live in connectors/email/cli.py;
`extract-reply` in connectors/email_reply/cli.py (a module with `HELP`,
`add_arguments(parser)` and `run(command, options)`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from blockdesk.connectors.email import cli
from blockdesk.connectors.email_reply import cli as extract_reply_cli

EXTRACT_REPLY = "extract-reply"


class Command(BaseCommand):
    help = (
        "Email channel: ingest a raw mail, sync IMAP mailboxes, test a connection, "
        "print the visible reply of a mail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        cli.add_subcommands(sub)
        extract_reply_cli.add_arguments(
            sub.add_parser(
                EXTRACT_REPLY, help=extract_reply_cli.HELP, description=extract_reply_cli.HELP
            )
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == EXTRACT_REPLY:
            extract_reply_cli.run(self, options)
            return
        status = cli.run(options, self.stdout, options.get("stdin"))
        if status:
            raise SystemExit(status)
