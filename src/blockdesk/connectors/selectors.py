"""Reads of the channel contract's rows for the console, scoped by who asks."""

from __future__ import annotations

from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.connectors.models import OutboundDelivery
from blockdesk.conversations.models import Message
from blockdesk.conversations.selectors import visible_inboxes


def get_delivery_for_agent(*, user: User, delivery_id: int) -> OutboundDelivery:
    """A delivery of a reply in an inbox the agent works in; NotFound otherwise (an agent
    outside the inbox must not learn that the case exists)."""
    delivery = (
        OutboundDelivery.objects.select_related("message__conversation")
        # The conversation's inbox: a linked channel's inbox may be one the agent is not in.
        .filter(pk=delivery_id, message__conversation__inbox__in=visible_inboxes(user=user))
        .first()
    )
    if delivery is None:
        raise NotFound(_("No such delivery."))
    return delivery


def delivery_for_message(message: Message) -> OutboundDelivery | None:
    """The delivery of a message already shown to the agent (the console's timeline
    checked access to its conversation)."""
    return OutboundDelivery.objects.filter(message=message).first()
