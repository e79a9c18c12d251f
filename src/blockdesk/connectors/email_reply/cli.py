"""`manage.py email extract-reply [--keep-signature] [--json] FILE...`.

Prints the visible reply of each file (a whole RFC 5322 message or a bare body, plain
text or HTML). A file that cannot be read is reported on stderr and the others are still
processed; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from blockdesk.connectors.email_reply import extract_from_bytes

# A mail larger than this is refused rather than parsed (the "50 MB mail").
MAX_BYTES = 50 * 1024 * 1024
HELP = "Print the visible reply of email files (quoted history and signature hidden)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keep-signature",
        action="store_true",
        help=_("Keep the signature at the end of the reply."),
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help=_('One JSON object per line: {"file", "reply", "signature"}.'),
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help=_("A whole message (.eml) or a bare body, plain text or HTML; - for stdin."),
    )


def _read(name: str) -> bytes:
    if name == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        with Path(name).open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(_("larger than %(limit)d MB") % {"limit": MAX_BYTES // (1024 * 1024)})
    return data


def run(command: BaseCommand, options: dict[str, Any]) -> None:
    files: list[str] = options["files"]
    failed = 0
    for index, name in enumerate(files):
        try:
            parts = extract_from_bytes(
                _read(name),
                keep_signature=options["keep_signature"],
                content_type="text/html" if name.lower().endswith((".html", ".htm")) else None,
            )
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            command.stderr.write(
                _("%(file)s: cannot read: %(reason)s") % {"file": name, "reason": reason}
            )
            failed += 1
            continue
        if options["json"]:
            record = {"file": name, "reply": parts.reply, "signature": parts.signature}
            command.stdout.write(json.dumps(record, ensure_ascii=False))
        elif len(files) > 1:
            command.stdout.write(("\n" if index else "") + f"==> {name} <==\n{parts.reply}")
        else:
            command.stdout.write(parts.reply)
    if failed:
        raise CommandError(
            _("%(failed)d of %(total)d files could not be read.")
            % {"failed": failed, "total": len(files)},
            returncode=1,
        )
