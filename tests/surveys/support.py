"""Helpers for the survey tests: a widget case, resolved or reopened through the real
services, with the surveys consumer run as `manage.py events run` runs it."""

from __future__ import annotations

from typing import Any

from blockdesk.accounts.models import User
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Contact, Conversation, Inbox
from blockdesk.surveys.event_consumers import CONSUMER
from blockdesk.surveys.models import SurveySettings
from tests.support.event_log import drain


def open_case(
    *, contact: Contact, inbox: Inbox, text: str = "My withdrawal is stuck"
) -> Conversation:
    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=inbox, conversation=None, content=text
    )
    return Conversation.objects.get(pk=sent.message.conversation_id)


def set_status(
    conversation: Conversation, status: str, *, actor: User | None = None
) -> Conversation:
    conv_services.do_change_status(actor=actor, conversation=conversation, status=status)
    drain(CONSUMER)
    conversation.refresh_from_db()
    return conversation


def configure(account_id: int, **values: Any) -> SurveySettings:
    from blockdesk.surveys.services import settings_for

    row = settings_for(account_id)
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row
