"""Rebuild the knowledge-base search index: ``manage.py kb_reindex [--account ID] [--full]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from blockdesk.kb.search import store
from blockdesk.kb.search.service import reindex


class Command(BaseCommand):
    help = "Rebuild the knowledge-base search index from the published articles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--account",
            type=int,
            default=None,
            help="Index only this account's articles (default: the default scope and "
            "every account scope that already has an index).",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Re-embed every text instead of reusing vectors of unchanged ones.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        account = options["account"]
        scopes: list[int | None] = [account] if account is not None else store.known_scopes()
        if account is None and None not in scopes:
            scopes.insert(0, None)
        for scope in scopes:
            bars: dict[str, tqdm] = {}

            def progress(done: int, total: int, phase: str, bars: dict[str, tqdm] = bars) -> None:
                bar = bars.get(phase)
                if bar is None:
                    label = "analyse" if phase == "analyse" else "embed  "
                    bar = bars[phase] = tqdm(
                        total=total,
                        desc=label,
                        unit="doc" if phase == "analyse" else "text",
                        file=self.stderr._out,
                        disable=total == 0,
                    )
                bar.update(done - bar.n)
                if done >= total:
                    bar.close()

            index = reindex(account_id=scope, progress=progress, full=options["full"])
            for bar in bars.values():
                bar.close()
            name = "default" if scope is None else f"account {scope}"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{name}: indexed {len(index)} documents, {len(index.vocab)} terms, "
                    f"{index.vectors.shape[0]} vectors ({index.embedder}) → "
                    f"{store.index_path(scope)}"
                )
            )
