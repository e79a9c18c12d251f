"""``manage.py assistant eval|train|export-training``: evaluate, train and export the
training set of the intent model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blockdesk.assistant.nlu.calibration import RISK_TARGETS
from blockdesk.assistant.nlu.datasets import DatasetError
from blockdesk.assistant.nlu.evaluation import run_eval
from blockdesk.assistant.nlu.model import ModelConfig
from blockdesk.assistant.nlu.training import (
    default_config,
    default_model_path,
    file_source,
    train_model,
)
from blockdesk.common.embeddings import EmbedderUnavailable, available_embedders

DATA_HELP = (
    "CSV with a header row 'text,category' (also 'intent' or 'label'), or JSON: a list "
    "of [text, intent] pairs, or an object of such lists with the keys chosen by a "
    "suffix, FILE:key1+key2 (e.g. clinc150/train_val.json:train+oos_train). "
    "The intent 'oos' marks an out-of-scope row."
)


def _threshold(value: str) -> float | None:
    if value == "auto":
        return None
    try:
        t = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("expected 'auto' or a probability") from None
    if not 0.0 <= t <= 1.0:
        raise argparse.ArgumentTypeError("the threshold is a probability in [0, 1]")
    return t


class Command(BaseCommand):
    help = "Evaluate or train the assistant's intent model."
    # Works on files only (no database, URLs or templates), so the project-wide
    # system checks add start-up time and unrelated failure modes, nothing else.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=True, metavar="{eval,train,export-training}"
        )

        def common(p: argparse.ArgumentParser) -> None:
            p.add_argument(
                "--embedders",
                default=None,
                help=(
                    "comma-separated sentence embedders (default: use-m3, or "
                    f"BLOCKDESK_ASSISTANT_EMBEDDERS); known: {', '.join(available_embedders())}"
                ),
            )
            p.add_argument(
                "--oos-threshold",
                type=_threshold,
                default=None,
                metavar="auto|P",
                help=(
                    "refuse (predict 'oos') when the top intent's calibrated probability "
                    "is below P; 'auto' (default) tunes it on held-out folds of the "
                    "training data: on its 'oos' rows if any, else so ~1%% of in-scope "
                    "messages are refused. 0 never refuses (except the 'oos' class)."
                ),
            )

        ev = sub.add_parser(
            "eval",
            help="train on one file, report metrics on another",
            description=(
                "Train on --train, evaluate on --test. Prints accuracy, macro-F1, "
                "in-scope accuracy, out-of-scope precision/recall (when --test has "
                "'oos' rows) and p50/p95 single-message latency; the last line is a "
                "JSON object with these figures. " + DATA_HELP
            ),
        )
        ev.add_argument("--train", required=True, metavar="FILE[:KEYS]", help=DATA_HELP)
        ev.add_argument(
            "--test", required=True, metavar="FILE[:KEYS]", help="same formats as --train"
        )
        ev.add_argument(
            "--predictions",
            metavar="FILE",
            help="write the predicted intent of each test row, one per line, in order",
        )
        ev.add_argument(
            "--latency-sample",
            type=int,
            default=200,
            help="messages timed one at a time for p50/p95 (default 200)",
        )
        ev.add_argument(
            "--risk",
            choices=sorted(RISK_TARGETS),
            default=None,
            help=(
                "refuse below this risk setting's answer threshold (target precision "
                "precision-first 95%%, balanced 90%%, coverage-first 80%%), read off "
                "held-out folds of --train; overrides --oos-threshold"
            ),
        )
        ev.add_argument(
            "--cache-dir",
            type=Path,
            default=None,
            help="keep embeddings of the data files here between runs",
        )
        common(ev)

        tr = sub.add_parser(
            "train",
            help="train from the knowledge base (default) or a labelled file; save the model",
            description=(
                "Train the intent model and save it. Without --data it learns from an "
                "account's published articles (titles and example questions), resolved "
                "conversations where an agent linked an article, and agents' corrections, "
                "and writes the model the assistant loads for that account. With --data "
                "it trains from that file only. " + DATA_HELP
            ),
        )
        tr.add_argument("--data", default=None, metavar="FILE[:KEYS]", help=DATA_HELP)
        tr.add_argument(
            "--account",
            type=int,
            default=None,
            help="account id (default: every account; ignored with --data)",
        )
        tr.add_argument(
            "--out",
            type=Path,
            default=None,
            help=(
                "model file to write (default: the account's model under "
                "DATA_DIR/assistant/, or DATA_DIR/assistant/intent-model.joblib with --data)"
            ),
        )
        common(tr)

        ex = sub.add_parser(
            "export-training",
            help="write the knowledge-base training set as CSV (text,category)",
            description=(
                "Write what `train` would learn from as a CSV that `eval --train` reads. "
                "Without --account: the shipped starter articles (no database needed)."
            ),
        )
        ex.add_argument("--out", type=Path, required=True, metavar="FILE")
        ex.add_argument("--account", type=int, default=None, help="an account's KB + history")
        ex.add_argument(
            "--starter-only",
            action="store_true",
            help="without --account: only the articles' titles and example questions, "
            "not the shipped crypto examples (the training set before issue 16)",
        )

    def _config(self, options: dict[str, Any]) -> ModelConfig:
        names = options.get("embedders")
        config = default_config(
            tuple(n.strip() for n in names.split(",") if n.strip()) if names else None
        )
        threshold = options.get("oos_threshold")
        if threshold is not None:
            from dataclasses import replace

            config = replace(config, oos_threshold=threshold)
        return config

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "eval":
                self._eval(options)
            elif options["action"] == "export-training":
                self._export(options)
            else:
                self._train(options)
        except (DatasetError, EmbedderUnavailable, ValueError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc

    def _eval(self, options: dict[str, Any]) -> None:
        metrics = run_eval(
            options["train"],
            options["test"],
            options.get("predictions"),
            config=self._config(options),
            latency_sample=options["latency_sample"],
            cache_dir=options.get("cache_dir"),
            risk=options.get("risk"),
        )

        def pct(key: str) -> str:
            value = metrics.get(key)
            return "n/a" if value is None else f"{value * 100:.2f}%"

        w = self.stdout.write
        w(
            f"trained on {metrics['n_train']} rows, {metrics['n_intents']} intents, "
            f"in {metrics['train_seconds']} s (embedders: {', '.join(metrics['embedders'])}; "
            f"oos threshold {metrics['oos_threshold']}"
            + (f", risk setting {metrics['risk']}" if metrics.get("risk") else "")
            + ")"
        )
        w(f"test rows:          {metrics['n_test']}")
        w(f"accuracy:           {pct('accuracy')}")
        w(f"macro-F1:           {pct('macro_f1')}")
        w(f"in-scope accuracy:  {pct('in_scope_accuracy')}")
        w(f"oos precision:      {pct('oos_precision')}")
        w(f"oos recall:         {pct('oos_recall')}")
        w(f"calibration error:  {metrics['ece']:.4f} (ECE, 10 bins)")
        w(f"latency per message: p50 {metrics['p50_ms']} ms, p95 {metrics['p95_ms']} ms")
        if options.get("predictions"):
            w(f"predictions written to {options['predictions']}")
        w(json.dumps(metrics))

    def _train(self, options: dict[str, Any]) -> None:
        if options.get("data"):
            out = options.get("out") or default_model_path()
            model = train_model([file_source(options["data"])], self._config(options), out=out)
            self._trained(model, out)
            from blockdesk.assistant.engine import publish_model

            publish_model(None, Path(out))  # for the other nodes (when shared)
            return
        from blockdesk.accounts.models import Account
        from blockdesk.assistant.engine import model_path
        from blockdesk.assistant.training_sources import account_sources

        ids = (
            [options["account"]]
            if options.get("account")
            else list(Account.objects.order_by("pk").values_list("pk", flat=True))
        )
        if not ids:
            raise CommandError("no account yet: create one, or pass --data FILE")
        if options.get("out") and len(ids) > 1:
            raise CommandError("--out needs --account when there are several accounts")
        trained = 0
        for account_id in ids:
            out = options.get("out") or model_path(account_id)
            try:
                model = train_model(
                    account_sources(account_id=account_id), self._config(options), out=out
                )
            except ValueError as exc:
                if options.get("account"):
                    raise
                # Training every account: one with too little content (a new account with
                # a single article) is reported and skipped; it answers from the
                # installation's model until it has more.
                self.stdout.write(f"account {account_id}: skipped ({exc})")
                continue
            trained += 1
            self.stdout.write(f"account {account_id}: ", ending="")
            self._trained(model, out)
            from blockdesk.assistant.engine import publish_model

            publish_model(account_id, Path(out))  # for the other nodes (when shared)
            from blockdesk.assistant.configuration import do_apply_risk_profiles

            changed = do_apply_risk_profiles(account_id=account_id, model=model)
            if changed:
                self.stdout.write(f"  thresholds of {changed} inbox(es) set from the risk setting")
        if not trained:
            raise CommandError("no account has enough content to train on")

    def _trained(self, model: Any, out: Path) -> None:
        self.stdout.write(
            f"trained on {model.meta['n_examples']} rows, {len(model.intents)} intents, "
            f"oos threshold {model.threshold:.3f}; saved to {out}"
        )

    def _export(self, options: dict[str, Any]) -> None:
        from blockdesk.assistant.training_sources import (
            account_sources,
            starter_examples,
            write_examples_csv,
        )

        if options.get("account"):
            examples = [e for src in account_sources(account_id=options["account"]) for e in src()]
        else:
            examples = starter_examples(curated=not options.get("starter_only"))
        count = write_examples_csv(examples, options["out"])
        intents = len({e.intent for e in examples})
        self.stdout.write(f"wrote {count} rows, {intents} intents, to {options['out']}")
