"""Puts the demo transactions on a local devnet and registers it in the demo account
(`make run` calls it when ganache is installed). Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from blockdesk.accounts.models import Account
from blockdesk.chain.rpc import ChainApiError
from blockdesk.demo.devnet import DEFAULT_BLOCK_SECONDS, seed_devnet, switch_off_devnet
from blockdesk.demo.devnet_node import DevnetError
from blockdesk.demo.management.commands.seed_demo import DEMO_ACCOUNT


class Command(BaseCommand):
    help = "Seed the demo devnet (a local ganache node) and its demo conversations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rpc-url", default="http://127.0.0.1:8545")
        parser.add_argument("--account", default=DEMO_ACCOUNT, help="Account name.")
        parser.add_argument(
            "--block-time",
            type=float,
            default=DEFAULT_BLOCK_SECONDS,
            help="The node's block interval in seconds (for the confirmation estimates).",
        )
        parser.add_argument(
            "--off",
            action="store_true",
            help="Switch the devnet chain off instead (its node is not running).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        account = Account.objects.filter(name=options["account"]).first()
        if account is None:
            raise CommandError(f"No account named {options['account']!r}: run seed_demo first.")
        if options["off"]:
            if switch_off_devnet(account=account):
                self.stdout.write("The demo devnet chain is switched off until its node runs.")
            return
        try:
            seed = seed_devnet(
                account=account, rpc_url=options["rpc_url"], block_seconds=options["block_time"]
            )
        except (DevnetError, ChainApiError) as exc:
            raise CommandError(f"Demo devnet not seeded: {exc}") from exc
        if seed.onchain.sent or seed.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo devnet seeded: {seed.onchain.sent} transactions sent, "
                    f"{seed.created} records added or updated."
                )
            )
        else:
            self.stdout.write("Demo devnet already seeded.")
