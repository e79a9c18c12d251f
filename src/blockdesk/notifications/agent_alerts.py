"""Alerts to agents about a conversation (SLA warnings and breaches today): a push to each
agent's console over their user group and, when they have an address, an email sent after
the commit. Nothing reaches the customer."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from blockdesk.accounts.models import User
from blockdesk.common.realtime import publish_on_commit, user_group
from blockdesk.conversations.models import Conversation

logger = logging.getLogger(__name__)


def _send_emails(recipients: list[str], subject: str, text: str) -> None:
    # One line: a policy or team name with a line break would make Django refuse the
    # header (BadHeaderError) and the alert would never leave.
    subject = " ".join(subject.split())
    try:
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError:
        # What the SMTP and file backends raise (smtplib's errors and ssl's are OSErrors).
        # Sent after the commit: the alert that cannot be mailed was still pushed to the
        # console, and what triggered it stays done.
        logger.exception("agent alert email failed")


def do_alert_agents(
    *,
    conversation: Conversation,
    users: Iterable[User],
    kind: str,
    subject: str,
    text: str,
    email: bool = True,
) -> list[User]:
    """Push (and mail) `text` to each active agent of the conversation's account; returns
    who was alerted."""
    alerted = [
        u
        for u in {u.pk: u for u in users}.values()
        if u.is_active and u.account_id == conversation.account_id
    ]
    if not alerted:
        return []
    publish_on_commit(
        [user_group(u.pk) for u in alerted],
        {
            "type": "agent.alert",
            "kind": kind,
            "conversation_id": conversation.pk,
            "text": text,
        },
    )
    addresses = sorted({u.email for u in alerted if u.email})
    if email and addresses:
        transaction.on_commit(lambda: _send_emails(addresses, subject, text))
    return alerted
