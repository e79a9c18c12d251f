"""The email channel's subcommands of `manage.py email` (the command itself,
connectors/management/commands/email.py, also holds `extract-reply`):

- `email ingest [--inbox ID] < message.eml` — one raw mail from standard input, for MTAs
  that pipe mail to a program (Postfix `pipe`, Exim `pipe`, procmail, fetchmail's mda).
  Exit status 0 stored (or a harmless duplicate), 65 (EX_DATAERR) refused or unreadable,
  75 (EX_TEMPFAIL) rate-limited, so an MTA bounces or retries as it should.
- `email imap [--inbox ID] [--once]` — sync IMAP mailboxes once, or watch them (IDLE,
  polling fallback) until stopped.
- `email lmtp [--listen 127.0.0.1:2424] [--inbox ID]` — an LMTP listener for the MTA.
- `email test-connection --inbox ID` — the settings' "test connection" from a shell."""

from __future__ import annotations

import argparse
import signal
import sys
import threading as py_threading
from typing import Any, Protocol

from django.core.management.base import CommandError

from blockdesk.connectors.email.imap import (
    ImapFailure,
    sync_mailbox,
    test_connection,
    watch_mailbox,
)
from blockdesk.connectors.email.ingest import ingest_raw
from blockdesk.connectors.email.models import EmailChannel


class Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


EX_DATAERR = 65
EX_TEMPFAIL = 75
_EXIT = {"refused": EX_DATAERR, "rate_limited": EX_TEMPFAIL}


def add_subcommands(sub: Any) -> None:
    """Adds ingest, imap and test-connection to the `email` command's subparsers."""
    ingest = sub.add_parser("ingest", help="Store one raw mail read from standard input.")
    ingest.add_argument("--inbox", type=int, help="Inbox id (needed with several email inboxes).")
    imap = sub.add_parser("imap", help="Sync IMAP mailboxes (IDLE, polling fallback).")
    imap.add_argument("--inbox", type=int)
    imap.add_argument("--once", action="store_true", help="Sync once and exit.")
    lmtp = sub.add_parser("lmtp", help="Listen for LMTP deliveries from the MTA.")
    lmtp.add_argument("--listen", default="127.0.0.1:2424", help="host:port (loopback!)")
    lmtp.add_argument("--inbox", type=int, help="Accept every recipient for this inbox.")
    test = sub.add_parser("test-connection", help="Log in to an inbox's IMAP server.")
    test.add_argument("--inbox", type=int, required=True)


def _channel(inbox_id: int | None) -> EmailChannel:
    channels = EmailChannel.objects.select_related("inbox")
    if inbox_id is not None:
        channel = channels.filter(inbox_id=inbox_id).first()
        if channel is None:
            raise CommandError(f"no email inbox with id {inbox_id}")
        return channel
    found = list(channels[:2])
    if len(found) != 1:
        raise CommandError("give --inbox: there is not exactly one email inbox")
    return found[0]


def run(options: dict[str, Any], stdout: Writer, stdin: Any = None) -> int:
    """Runs the subcommand in options["subcommand"]; returns the exit status."""
    name = options["subcommand"]
    if name == "ingest":
        return run_ingest(_channel(options.get("inbox")), stdout, stdin)
    if name == "test-connection":
        try:
            stdout.write(test_connection(_channel(options["inbox"])) + "\n")
        except ImapFailure as exc:
            raise CommandError(str(exc)) from exc
        return 0
    if name == "imap":
        return run_imap(options, stdout)
    if name == "lmtp":
        return run_lmtp(options, stdout)
    raise CommandError(f"unknown subcommand {name}")


def run_ingest(channel: EmailChannel, stdout: Writer, stdin: Any = None) -> int:
    stream = stdin if stdin is not None else sys.stdin.buffer
    raw = stream.read()
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    outcome = ingest_raw(channel=channel, raw=raw)
    line = f"{outcome.status} {outcome.header_id}"
    if outcome.conversation_id:
        line += f" conversation={outcome.conversation_id}"
    if outcome.reason:
        line += f": {outcome.reason}"
    stdout.write(line + "\n")
    return _EXIT.get(outcome.status, 0)


def run_imap(options: dict[str, Any], stdout: Writer) -> int:
    channels = (
        [_channel(options["inbox"])]
        if options.get("inbox")
        else list(EmailChannel.objects.filter(imap_enabled=True).select_related("inbox"))
    )
    if options.get("once"):
        status = 0
        for channel in channels:
            try:
                result = sync_mailbox(channel)
                stdout.write(
                    f"inbox {channel.inbox_id}: {result.fetched} fetched {result.outcomes}\n"
                )
            except ImapFailure as exc:
                stdout.write(f"inbox {channel.inbox_id}: {exc}\n")
                status = 1
        return status
    stop = py_threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    signal.signal(signal.SIGINT, lambda *_a: stop.set())
    threads = [
        py_threading.Thread(target=watch_mailbox, args=(c,), kwargs={"stop": stop}, daemon=True)
        for c in channels
    ]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads) and not stop.is_set():
        stop.wait(1.0)
    return 0


def run_lmtp(options: dict[str, Any], stdout: Writer) -> int:
    from blockdesk.connectors.email.lmtp import start_listener

    host, _sep, port = str(options["listen"]).rpartition(":")
    controller = start_listener(
        host=host or "127.0.0.1", port=int(port), inbox_id=options.get("inbox")
    )
    stdout.write(f"LMTP listening on {host}:{port}\n")
    stop = py_threading.Event()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    signal.signal(signal.SIGINT, lambda *_a: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()
    return 0


def build_parser_for_tests() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="email")
    add_subcommands(parser.add_subparsers(dest="subcommand", required=True))
    return parser
