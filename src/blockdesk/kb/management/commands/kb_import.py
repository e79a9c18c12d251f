from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blockdesk.kb.importexport import ImportFailed, import_faq_csv, import_kb
from blockdesk.kb.management.commands._kb_account import resolve_account


class Command(BaseCommand):
    help = (
        "Import a knowledge-base folder (as written by kb_export) or a CSV of FAQ pairs "
        "(question,answer,language,category). Nothing is imported if any file has a problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="Folder, or a .csv file")
        parser.add_argument("--account", type=int, default=None, help="Account id (default: first)")
        parser.add_argument(
            "--publish", action="store_true", help="CSV only: publish instead of drafts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        account = resolve_account(options["account"])
        source: Path = options["source"]
        try:
            if source.suffix.lower() == ".csv":
                result = import_faq_csv(
                    account=account,
                    text=source.read_text(encoding="utf-8"),
                    label=source.name,
                    status="published" if options["publish"] else "draft",
                )
            else:
                result = import_kb(account=account, directory=source)
        except ImportFailed as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s); nothing was imported.") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged, {result.categories} categories, "
                f"{result.assets} images."
            )
        )
