"""`manage.py backup --output DIR`: a consistent copy of the embedded install while it serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blockdesk.ops.backup import BackupError, take_backup


class Command(BaseCommand):
    help = "Back up the SQLite database, the uploads and the secret key into an empty DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="An empty directory.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = take_backup(options["output"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{name}={n}" for name, n in sorted(result.counts.items()))
        self.stdout.write(f"backup in {result.directory}: {result.files} files; {counts}")
        self.stdout.write("It holds the secret key: keep it as safe as the server itself.")
