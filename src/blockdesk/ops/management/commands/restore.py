"""`manage.py restore DIR`: put a backup in place (stop the server first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blockdesk.ops.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into this install (checksums checked first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="Replace an existing database (server stopped)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore_backup(options["source"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{name}={n}" for name, n in sorted(manifest["counts"].items()))
        self.stdout.write(f"restored the backup of {manifest['created_at']}: {counts}")
