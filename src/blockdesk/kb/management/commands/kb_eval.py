"""Search quality on labelled queries: ``manage.py kb_eval FILE [--k 5] [--content DIR]``.

FILE is a CSV with header ``query,language,expected_id``. Documents come from a folder
of Markdown articles (default: the starter KB), or from the database with ``--db``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blockdesk.kb.search.content import STARTER_DIR, ContentError, load_documents
from blockdesk.kb.search.evaluation import evaluate, load_queries
from blockdesk.kb.search.index import IndexConfig, build_index
from blockdesk.kb.search.service import DEFAULT_PARAMS, embedder, published_documents

DEFAULT_FILE = STARTER_DIR.parent / "eval" / "search_queries.csv"
MODES = ("hybrid", "lexical", "semantic")


class Command(BaseCommand):
    help = "Print recall@1, recall@k and MRR@10 of knowledge-base search on labelled queries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            type=Path,
            default=DEFAULT_FILE,
            help="CSV with header query,language,expected_id",
        )
        parser.add_argument("--k", type=int, default=5, help="cut-off of recall@k (default 5)")
        parser.add_argument(
            "--content",
            type=Path,
            default=STARTER_DIR,
            help="folder of Markdown articles (default: the starter KB)",
        )
        parser.add_argument(
            "--db",
            action="store_true",
            help="evaluate the published articles in the database instead",
        )
        parser.add_argument("--account", type=int, default=None, help="with --db: one account")
        parser.add_argument("--mode", choices=[*MODES, "all"], default="hybrid")
        parser.add_argument("--embedder", default=None, help="embedder name (default: setting)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["k"] < 1:
            raise CommandError("--k must be at least 1")
        try:
            queries = load_queries(options["file"])
            if options["db"]:
                docs = published_documents(account_id=options["account"])
            else:
                docs = load_documents(options["content"])
        except (OSError, ValueError, ContentError) as exc:
            raise CommandError(str(exc)) from exc
        if not docs:
            raise CommandError("no documents to search")
        modes = MODES if options["mode"] == "all" else (options["mode"],)
        emb = embedder(options["embedder"]) if modes != ("lexical",) else embedder("none")
        index = build_index(docs, embedder=emb, config=IndexConfig(embedder=emb.name))
        self.stdout.write(
            f"{len(queries)} queries, {len(docs)} documents, embedder {emb.name}, k={options['k']}"
        )
        for mode in modes:
            params = DEFAULT_PARAMS if mode == "hybrid" else replace(DEFAULT_PARAMS, fusion=mode)
            report = evaluate(index, queries, k=options["k"], params=params)
            self.stdout.write(f"\n[{mode}]\n{report.format()}")
            if report.unknown_keys:
                self.stderr.write(
                    "expected ids not in the documents: " + ", ".join(sorted(report.unknown_keys))
                )
