"""`manage.py records verify [--account ID]` and `manage.py records verify-receipt FILE`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blockdesk.records import verifier
from blockdesk.records.models import RecordLog
from blockdesk.records.verify import LogTampered, verify_log


class Command(BaseCommand):
    help = "Verify the service-record logs (from the database) or a customer's receipt."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        v = sub.add_parser("verify", help="Recompute every log from the database.")
        v.add_argument("--account", type=int, help="Only this account's log.")
        v.add_argument("--chunk", type=int, default=20_000, help="Entries per page.")
        r = sub.add_parser("verify-receipt", help="Check a receipt file offline.")
        r.add_argument("file")
        r.add_argument("--public-key", action="append", default=[], help="Pinned key (hex).")
        r.add_argument("--rpc-url", help="A node of the anchor's chain: check the anchor there.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "verify":
            self._verify(options)
        else:
            self._verify_receipt(options)

    def _verify(self, options: dict[str, Any]) -> None:
        logs = RecordLog.objects.order_by("id")
        if options["account"] is not None:
            logs = logs.filter(account_id=options["account"])
        count = 0
        for log in logs:
            try:
                report = verify_log(log, chunk=options["chunk"])
            except LogTampered as exc:
                raise CommandError(
                    f"log {log.public_id} (account {log.account_id}): {exc}"
                ) from exc
            count += 1
            self.stdout.write(
                f"log {report.log_id} (account {log.account_id}): OK, {report.entries} entries "
                f"({report.erased} erased), {report.nodes} nodes, {report.tree_heads} tree heads"
            )
        self.stdout.write(f"{count} log(s) verified")

    def _verify_receipt(self, options: dict[str, Any]) -> None:
        try:
            receipt = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
            pinned = [bytes.fromhex(k) for k in options["public_key"]]
            lines = verifier.verify_receipt(receipt, pinned_keys=pinned or None)
            if options["rpc_url"]:
                lines += verifier.check_anchor_on_chain(receipt, options["rpc_url"])
        except (OSError, ValueError, verifier.ReceiptInvalid) as exc:
            raise CommandError(f"receipt NOT valid: {exc}") from exc
        for line in lines:
            self.stdout.write(line)
        self.stdout.write("receipt valid")
