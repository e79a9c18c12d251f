"""The gateway: one websocket per bot, held by discord.py (heartbeats, resume, reconnect,
sharding: the parts of Discord's protocol not worth rewriting). Its raw dispatches go to
`dispatch`, a plain function, so everything after the socket is tested with recorded
payloads and no discord.py at all (tests/connectors/discord)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

from django.db import DatabaseError, close_old_connections

from blockdesk.connectors.contract import DeliveryFailed
from blockdesk.connectors.discord import inbound, payloads, rest
from blockdesk.connectors.discord.models import DiscordChannel

logger = logging.getLogger(__name__)

RESCAN_SECONDS = 30


def dispatch(channel_pk: int, event_type: str, data: Any) -> object:
    """One gateway dispatch (op 0) for one bot. Returns what the handler returned."""
    event = payloads.parse_dispatch(event_type, data)
    if event is None:
        return None
    channel = DiscordChannel.objects.select_related("inbox").filter(pk=channel_pk).first()
    if channel is None:
        return None
    try:
        if isinstance(event, payloads.IncomingMessage):
            return inbound.handle_message(channel, event)
        if isinstance(event, payloads.ThreadCreated):
            return inbound.handle_thread(channel, event)
        answer = inbound.handle_interaction(channel, event)
        rest.interaction_callback(event.id, event.token, answer)
        return answer
    finally:
        close_old_connections()


def _client_class() -> type:
    import discord  # imported here: only the gateway process needs it

    class GatewayClient(discord.Client):
        def __init__(self, channel_pk: int) -> None:
            intents = discord.Intents.none()
            intents.guilds = True
            intents.guild_messages = True
            intents.dm_messages = True
            intents.message_content = True  # privileged: turned on in the Developer Portal
            # enable_debug_events: the raw payloads, which `dispatch` normalises itself.
            super().__init__(
                intents=intents,
                enable_debug_events=True,
                max_messages=None,  # no message cache: `dispatch` reads the raw payloads
                chunk_guilds_at_startup=False,
            )
            self.channel_pk = channel_pk

        async def on_socket_raw_receive(self, msg: str) -> None:
            try:
                frame = json.loads(msg)
            except ValueError:
                return
            if frame.get("op") != 0 or frame.get("t") not in (
                "MESSAGE_CREATE", "THREAD_CREATE", "INTERACTION_CREATE",
            ):  # fmt: skip
                return
            try:
                await asyncio.to_thread(dispatch, self.channel_pk, frame["t"], frame.get("d"))
            except DeliveryFailed as exc:
                logger.warning("discord gateway %s: %s", self.channel_pk, exc.reason)
            except Exception:
                # Broad on purpose: this is discord.py's event callback, and one payload
                # our handlers choke on (a bug, the database gone for a moment) must not
                # end the bot's connection. Logged with its traceback.
                logger.exception("discord gateway %s: dispatch failed", self.channel_pk)

    return GatewayClient


def _record_stop(channel_pk: int, exc: BaseException) -> None:
    DiscordChannel.objects.filter(pk=channel_pk).update(
        last_error=f"gateway: {type(exc).__name__}"[:300]
    )


def _run_one(channel_pk: int, token: str) -> None:
    import discord  # imported here: only the gateway process needs it

    client = _client_class()(channel_pk)
    try:
        asyncio.run(client.start(token, reconnect=True))
    except discord.DiscordException as exc:
        # A revoked token (LoginFailure), missing intents (PrivilegedIntentsRequired), a
        # close code discord.py does not resume from (ConnectionClosed): shown on the
        # channel's page, retried at the next scan. Network errors are retried inside
        # discord.py itself (reconnect=True). Only the type: a message may quote the token.
        logger.warning("discord gateway %s stopped: %s", channel_pk, type(exc).__name__)
        _record_stop(channel_pk, exc)
    except Exception as exc:
        # Broad on purpose: this is the thread's top level; anything else is a bug, logged
        # with its traceback (not left to threading's stderr hook) and retried at the scan.
        logger.exception("discord gateway %s crashed", channel_pk)
        _record_stop(channel_pk, exc)
    finally:
        close_old_connections()


def run_gateways_forever() -> None:
    """Keeps one gateway thread per configured bot; a stopped one starts again at the
    next scan (a changed token too, once the old connection failed)."""
    running: dict[int, tuple[str, threading.Thread]] = {}
    while True:
        try:
            bots = list(DiscordChannel.objects.exclude(bot_token="").values_list("pk", "bot_token"))
        except (DatabaseError, ValueError):
            # The database gone for a moment, or a token the configured keys cannot
            # decrypt (common.crypto raises ValueError): keep the running bots, read again.
            logger.exception("discord gateway: could not read the bots")
            bots = []
        finally:
            close_old_connections()
        for pk, token in bots:
            current = running.get(pk)
            if current is not None and current[1].is_alive():
                continue
            thread = threading.Thread(
                target=_run_one, args=(pk, token), name=f"discord-gateway-{pk}", daemon=True
            )
            thread.start()
            running[pk] = (token, thread)
        time.sleep(RESCAN_SECONDS)
