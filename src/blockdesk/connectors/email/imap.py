"""Reading a mailbox over IMAP with `imapclient` (maintained, complete, synchronous:
it runs in the worker and management-command processes, which are not async; it parses
FETCH responses and IDLE for us, see docs/email.md).

`sync_mailbox` fetches what arrived since the last sync (UIDs above `imap_last_uid`,
valid for one UIDVALIDITY; a new UIDVALIDITY starts over, and the Message-ID receipts
make re-reading harmless), in batches, sizes first: a mail over the limit has only its
headers fetched and is recorded as refused. Messages are read with BODY.PEEK (the
mailbox's \\Seen flags are left to people). `watch_mailbox` keeps a connection in IDLE
and syncs when the server announces new mail; a server without IDLE is polled. The
periodic job `poll_due_mailboxes` polls the mailboxes no watcher holds."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import logging
import socket
import ssl
import threading as py_threading
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from blockdesk.common.netguard import is_never_callable, is_public_address
from blockdesk.connectors.email import oauth
from blockdesk.connectors.email.ingest import ingest_raw
from blockdesk.connectors.email.models import EmailChannel

logger = logging.getLogger(__name__)

BATCH = 100
# How long one IDLE waits before it is re-issued (RFC 2177 asks for less than 29 minutes);
# short, so a stop request is noticed soon. One DONE/IDLE round trip each time.
IDLE_CHECK_SECONDS = 10.0


class ImapFailure(Exception):
    """Connecting, logging in or reading failed; the message is safe to show an admin."""


@dataclass(frozen=True)
class SyncResult:
    fetched: int
    outcomes: dict[str, int]


def check_host(host: str, port: int) -> None:
    """The mailbox host must be a public address unless private ones are allowed
    (EMAIL_ALLOW_PRIVATE_HOSTS: loopback relays, tests); checked before each connect."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ImapFailure(_("The IMAP host name could not be resolved.")) from exc
    addresses = [ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in infos]
    allow_private = settings.EMAIL_ALLOW_PRIVATE_HOSTS
    if any(map(is_never_callable, addresses)) or not (
        allow_private or all(map(is_public_address, addresses))
    ):
        raise ImapFailure(_("The IMAP host is a private or local network address."))


def connect(channel: EmailChannel, *, timeout: float | None = None) -> IMAPClient:
    if not channel.imap_host:
        raise ImapFailure(_("No IMAP host is set."))
    check_host(channel.imap_host, channel.imap_port)
    if channel.imap_auth == EmailChannel.ImapAuth.XOAUTH2:
        try:  # before connecting: the refresh is an HTTP call that may take a while
            oauth.ensure_fresh_token(channel)
        except oauth.OAuthFailure as exc:
            raise ImapFailure(str(exc)) from exc
    security = channel.imap_security
    context = ssl.create_default_context()
    try:
        client = IMAPClient(
            channel.imap_host,
            port=channel.imap_port,
            ssl=security == EmailChannel.ImapSecurity.TLS,
            ssl_context=context,
            timeout=timeout or settings.EMAIL_IMAP_TIMEOUT,
        )
        if security == EmailChannel.ImapSecurity.STARTTLS:
            client.starttls(context)
        if channel.imap_auth == EmailChannel.ImapAuth.XOAUTH2:
            client.oauth2_login(channel.imap_username, channel.imap_secret)
        else:
            client.login(channel.imap_username, channel.imap_secret)
    except LoginError as exc:
        raise ImapFailure(_("The IMAP server refused the login.")) from exc
    except (IMAPClientError, OSError, ssl.SSLError) as exc:
        raise ImapFailure(
            _("Could not connect to the IMAP server (%(error)s).") % {"error": type(exc).__name__}
        ) from exc
    return client


def test_connection(channel: EmailChannel) -> str:
    """The settings page's "test connection": logs in, opens the folder, says how many
    mails it holds. Raises ImapFailure with a message for the admin."""
    client = connect(channel, timeout=15)
    try:
        info = client.select_folder(channel.imap_folder, readonly=True)
    except IMAPClientError as exc:
        raise ImapFailure(
            _("The folder “%(folder)s” could not be opened.") % {"folder": channel.imap_folder}
        ) from exc
    finally:
        with contextlib.suppress(IMAPClientError, OSError):
            client.logout()
    count = int(info.get(b"EXISTS", 0))
    return _("Connected: %(count)d messages in %(folder)s.") % {
        "count": count,
        "folder": channel.imap_folder,
    }


def _sync(client: IMAPClient, channel: EmailChannel) -> SyncResult:
    info = client.select_folder(channel.imap_folder, readonly=True)
    validity = int(info.get(b"UIDVALIDITY", 0))
    if validity != channel.imap_uidvalidity:
        channel.imap_uidvalidity = validity
        channel.imap_last_uid = 0
        channel.save(update_fields=["imap_uidvalidity", "imap_last_uid"])
    uids = sorted(
        uid
        for uid in client.search(["UID", f"{channel.imap_last_uid + 1}:*"])
        if uid > channel.imap_last_uid  # "n:*" includes the last UID when none is newer
    )
    outcomes: dict[str, int] = {}
    limit = settings.EMAIL_INGEST_MAX_BYTES
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        sizes = client.fetch(batch, ["RFC822.SIZE"])
        small = [u for u in batch if int(sizes.get(u, {}).get(b"RFC822.SIZE", 0)) <= limit]
        large = [u for u in batch if u not in small]
        bodies: dict[int, Any] = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
        heads: dict[int, Any] = client.fetch(large, ["BODY.PEEK[HEADER]"]) if large else {}
        for uid in batch:
            if uid in bodies:
                raw = bytes(bodies[uid].get(b"BODY[]") or b"")
            else:
                # Headers only, padded to the announced size so the record says how big.
                head = bytes(heads.get(uid, {}).get(b"BODY[HEADER]") or b"")
                size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
                raw = head + b"\r\n" + b" " * max(0, size - len(head) - 2)
            outcome = ingest_raw(channel=channel, raw=raw)
            status = str(outcome.status)
            outcomes[status] = outcomes.get(status, 0) + 1
        channel.imap_last_uid = batch[-1]
        channel.save(update_fields=["imap_last_uid"])
    return SyncResult(fetched=len(uids), outcomes=outcomes)


def sync_mailbox(channel: EmailChannel, client: IMAPClient | None = None) -> SyncResult:
    own = client is None
    try:
        client = client or connect(channel)
        result = _sync(client, channel)
    except ImapFailure as exc:
        _note(channel, str(exc))
        raise
    except (IMAPClientError, OSError) as exc:
        _note(channel, type(exc).__name__)
        raise ImapFailure(
            _("Reading the mailbox failed (%(error)s).") % {"error": type(exc).__name__}
        ) from exc
    finally:
        if own and client is not None:
            with contextlib.suppress(IMAPClientError, OSError):
                client.logout()
    _note(channel, "")
    return result


def _note(channel: EmailChannel, error: str) -> None:
    channel.imap_last_polled_at = timezone.now()
    channel.imap_last_error = error[:300]
    channel.save(update_fields=["imap_last_polled_at", "imap_last_error"])


def poll_due_mailboxes(*, now: dt.datetime | None = None) -> int:
    """Periodic: polls each IMAP mailbox not polled for EMAIL_IMAP_POLL_SECONDS (an
    `email imap` watcher notes every sync, so a watched mailbox is rarely due here)."""
    now = now or timezone.now()
    due = now - dt.timedelta(seconds=settings.EMAIL_IMAP_POLL_SECONDS)
    channels = EmailChannel.objects.filter(imap_enabled=True).exclude(imap_last_polled_at__gt=due)
    count = 0
    for channel in channels.select_related("inbox")[:20]:
        try:
            sync_mailbox(channel)
            count += 1
        except ImapFailure:
            logger.warning("imap poll of inbox %s failed", channel.inbox_id)
    return count


def watch_mailbox(channel: EmailChannel, *, stop: py_threading.Event) -> None:
    """Syncs, then waits in IDLE (or polls) until `stop` is set; reconnects with backoff.
    Runs in its own thread: its database connection is closed when it stops."""
    try:
        _watch(channel, stop)
    finally:
        connection.close()


def _watch(channel: EmailChannel, stop: py_threading.Event) -> None:
    wait = 5.0
    while not stop.is_set():
        client: IMAPClient | None = None
        try:
            client = connect(channel)
            sync_mailbox(channel, client)
            wait = 5.0
            idle = b"IDLE" in client.capabilities()
            while not stop.is_set():
                if idle:
                    client.idle()
                    responses = list(client.idle_check(timeout=IDLE_CHECK_SECONDS))
                    # What arrived between the check and DONE comes with DONE's answer.
                    responses += list(client.idle_done()[1])
                    if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                        close_old_connections()
                        sync_mailbox(channel, client)
                else:
                    stop.wait(settings.EMAIL_IMAP_POLL_SECONDS)
                    close_old_connections()
                    sync_mailbox(channel, client)
        except (ImapFailure, IMAPClientError, OSError) as exc:
            logger.warning("imap watch of inbox %s: %s", channel.inbox_id, type(exc).__name__)
            stop.wait(wait)
            wait = min(wait * 2, 300.0)
        finally:
            if client is not None:
                with contextlib.suppress(IMAPClientError, OSError):
                    client.logout()
