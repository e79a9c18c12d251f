"""`manage.py email ingest < message.eml`: what it prints and its exit status (an MTA
pipe bounces on 65, retries on 75)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from blockdesk.connectors.email import cli
from blockdesk.conversations.models import Message

from .mails import raw


def run(argv: list[str], data: bytes) -> tuple[int, str]:
    options = vars(cli.build_parser_for_tests().parse_args(argv))
    out = io.StringIO()
    status = cli.run(options, out, io.BytesIO(data))
    return status, out.getvalue()


def test_ingest_stores_the_mail_and_says_where(email_channel):
    status, out = run(["ingest", "--inbox", str(email_channel.inbox_id)], raw())
    assert status == 0 and out.startswith("stored <") and "conversation=" in out
    assert Message.objects.filter(conversation__inbox=email_channel.inbox).count() == 1


def test_ingest_of_a_huge_mail_exits_65_with_the_reason(email_channel, settings):
    settings.EMAIL_INGEST_MAX_BYTES = 1000
    status, out = run(["ingest"], raw(body="x" * 5000))
    assert status == cli.EX_DATAERR and "refused" in out and "Too large" in out


def test_a_storm_exits_75_so_the_mta_retries_later(email_channel, settings):
    settings.EMAIL_SENDER_LIMIT = 1
    assert run(["ingest"], raw())[0] == 0
    assert run(["ingest"], raw())[0] == cli.EX_TEMPFAIL


def test_an_unknown_inbox_is_a_command_error(email_channel):
    with pytest.raises(CommandError):
        run(["ingest", "--inbox", "999999"], raw())


def test_the_command_is_registered(email_channel, capsys):
    with pytest.raises(CommandError):
        call_command("email", "test-connection", "--inbox", "999999")
