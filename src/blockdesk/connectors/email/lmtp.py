"""An LMTP listener for MTAs that deliver to a local service (Postfix `lmtp:`, Exim's
`lmtp` transport): `manage.py email lmtp --listen 127.0.0.1:2424`. Built on aiosmtpd's
LMTP server (maintained, the same library the tests' SMTP server uses).

A recipient is accepted when it is an email inbox's From address (or its plus-address
form, `support+<token>@`); `--inbox` accepts every recipient for that inbox. Each mail goes
through `ingest_raw` once per inbox, and the answer tells the MTA what to do: 250 stored
(or a duplicate), 550 refused (the MTA bounces), 451 rate-limited (the MTA retries). Bind
it to loopback or a private network only: LMTP has no authentication."""

from __future__ import annotations

from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections, connection

from blockdesk.connectors.email.ingest import ingest_raw
from blockdesk.connectors.email.models import EmailChannel

_ANSWER = {
    "refused": "550 5.6.0 Refused",
    "rate_limited": "451 4.7.1 Too many mails from this sender, try later",
}


def channel_for(address: str, inbox_id: int | None = None) -> EmailChannel | None:
    channels = EmailChannel.objects.select_related("inbox")
    if inbox_id is not None:
        return channels.filter(inbox_id=inbox_id).first()
    local, _sep, domain = address.strip().lower().partition("@")
    base = f"{local.split('+', 1)[0]}@{domain}"
    return channels.filter(from_address=base).order_by("pk").first()


def _ingest(channel_ids: list[int], raw: bytes) -> str:
    close_old_connections()
    answer = "250 2.0.0 OK"
    try:
        for channel in EmailChannel.objects.select_related("inbox").filter(pk__in=channel_ids):
            status = str(ingest_raw(channel=channel, raw=raw).status)
            answer = _ANSWER.get(status, answer)
    finally:
        # The listener's worker thread holds no connection between mails (a reconnect per
        # mail is cheap at an MTA's pace; an idle one would block database maintenance).
        connection.close()
    return answer


class IngestHandler:
    def __init__(self, inbox_id: int | None = None) -> None:
        self.inbox_id = inbox_id

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        channel = await sync_to_async(channel_for)(address, self.inbox_id)
        if channel is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        ids = getattr(envelope, "blockdesk_channels", [])
        if channel.pk not in ids:
            ids.append(channel.pk)
        envelope.blockdesk_channels = ids
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        return str(await sync_to_async(_ingest)(envelope.blockdesk_channels, bytes(raw)))


class LmtpController(Controller):
    def factory(self) -> LMTP:
        # Larger than the ingest limit so a too-large mail is still recorded as refused.
        limit = settings.EMAIL_INGEST_MAX_BYTES * 2
        return LMTP(self.handler, data_size_limit=limit, decode_data=False)


def start_listener(*, host: str, port: int, inbox_id: int | None = None) -> LmtpController:
    controller = LmtpController(IngestHandler(inbox_id), hostname=host, port=port)
    controller.start()
    return controller
