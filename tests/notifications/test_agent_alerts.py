"""Agent alert emails: a name with a line break still makes a one-line subject; a mail
server that refuses is logged, and the alert's push stands."""

from __future__ import annotations

import logging
import smtplib

import pytest
from django.core import mail

from blockdesk.notifications import agent_alerts


@pytest.mark.django_db
def test_a_multi_line_subject_is_sent_on_one_line():
    agent_alerts._send_emails(["a@example.test"], "SLA breached\n(policy “x\r\ny”)", "text")
    assert [m.subject for m in mail.outbox] == ["SLA breached (policy “x y”)"]


def test_a_refusing_mail_server_is_logged(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"a@example.test": (550, b"no")})

    monkeypatch.setattr(agent_alerts, "send_mail", refuse)
    with caplog.at_level(logging.ERROR, logger=agent_alerts.__name__):
        agent_alerts._send_emails(["a@example.test"], "s", "t")
    assert "agent alert email failed" in caplog.text and caplog.records[0].exc_info


def test_a_bug_is_not_swallowed(monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("a bug")

    monkeypatch.setattr(agent_alerts, "send_mail", broken)
    with pytest.raises(TypeError):
        agent_alerts._send_emails(["a@example.test"], "s", "t")
