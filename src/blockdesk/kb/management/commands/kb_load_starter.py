from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from blockdesk.kb.importexport import load_starter
from blockdesk.kb.management.commands._kb_account import resolve_account


class Command(BaseCommand):
    help = "Load the starter knowledge base (idempotent: existing articles are left alone)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", type=int, default=None, help="Account id (default: first)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_starter(account=resolve_account(options["account"]))
        self.stdout.write(
            f"Starter knowledge base: {result.created} article files added, "
            f"{result.unchanged} already present."
        )
