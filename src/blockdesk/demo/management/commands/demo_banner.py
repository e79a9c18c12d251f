"""Prints where to go and how to sign in after `make run`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from blockdesk.demo.devnet import banner_lines
from blockdesk.demo.management.commands.seed_demo import DEMO_ACCOUNT, DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print the demo URLs and logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        base = f"http://{options['host']}:{options['port']}"
        lines = [
            "",
            "Blockdesk is starting on " + base,
            f"  Agent console   {base}/app/",
            f"  Widget demo     {base}/widget-demo/",
            f"  Help center     {base}/help/",
            f"  API docs        {base}/api/docs",
            f"  Audit log       {base}/app/settings/audit/        (admins)",
            f"  Event consumers {base}/app/settings/events/       (admins: lag, retries)",
            f"  Service records {base}/app/settings/records/      (admins: tree heads, anchors)",
            f"  Staffing        {base}/app/staffing/              (admins: forecast, agents)",
            f"  Shared knowledge {base}/app/settings/shared-knowledge/ (admins: feed, review;",
            "                  try blockdesk-wallet-restore.example on /verify/)",
            f"  Suggestions     {base}/feedback/  (roadmap: /feedback/roadmap/)",
            f"  Guides, events  {base}/learn/",
            "                  consoles: /app/feedback/ and /app/education/",
            f"  Routing         {base}/app/settings/routing/      (admins: skills, capacity)",
            "  A case's record: the widget's Timeline panel, or the console's",
            "                  'Service record' link in a conversation.",
            "  Customer mood:  a badge on each customer message and in the list.",
            "  Erase a customer (admins): the customer panel of a conversation.",
            "  Commands:       manage.py staffing --help, mood --json FILE,",
            "                  email extract-reply FILE.",
            "",
            "Demo logins (password for all: " + DEMO_PASSWORD + "):",
        ]
        lines += [f"  {username:<8} {role:<6} {email}" for username, email, role, _ in DEMO_USERS]
        lines.append("  partner  admin  Demo Partner Wallet (the peer whose feed the demo follows)")
        lines.append("")
        # The demo devnet's conversations, when it runs.
        lines += banner_lines(base_url=base, account_name=DEMO_ACCOUNT)
        self.stdout.write("\n".join(lines))
