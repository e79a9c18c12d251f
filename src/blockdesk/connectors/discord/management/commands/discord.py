"""`manage.py discord gateway`: the bots' gateway connections as their own process (the
embedded server runs them itself when BLOCKDESK_DISCORD_GATEWAY_IN_SERVER is on)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Discord channel: `gateway` holds one gateway connection per configured bot."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["gateway"])

    def handle(self, *args: Any, **options: Any) -> None:
        from blockdesk.connectors.discord.gateway import run_gateways_forever

        run_gateways_forever()
