from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blockdesk.common.errors import BlockdeskError
from blockdesk.kb.importexport import export_kb
from blockdesk.kb.management.commands._kb_account import resolve_account


class Command(BaseCommand):
    help = "Export the whole knowledge base as Markdown files with front matter into DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--account", type=int, default=None, help="Account id (default: first)")

    def handle(self, *args: Any, **options: Any) -> None:
        account = resolve_account(options["account"])
        try:
            count = export_kb(account=account, directory=options["directory"])
        except BlockdeskError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"Exported {count} article files."))
