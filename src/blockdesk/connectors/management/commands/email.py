"""The email channel from the command line: `manage.py email SUBCOMMAND ...`.

Each subcommand is a module with `HELP`, `add_arguments(parser)` and
`run(command, options)`, registered in `SUBCOMMANDS`; a new one (e.g. `ingest`) adds a
module and one entry here.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from blockdesk.connectors.email_reply import cli as extract_reply_cli

SUBCOMMANDS: dict[str, ModuleType] = {
    "extract-reply": extract_reply_cli,
}


class Command(BaseCommand):
    help = "Email channel tools."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, module in SUBCOMMANDS.items():
            module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))

    def handle(self, *args: Any, **options: Any) -> None:
        SUBCOMMANDS[options["subcommand"]].run(self, options)
