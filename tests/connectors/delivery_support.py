"""An agent's public reply queued through the delivery contract, for the platform
channels' tests: the message, the connectors.deliveries consumer drained, its delivery."""

from __future__ import annotations

from typing import Any

from blockdesk.accounts.models import User
from blockdesk.connectors.event_consumers import CONSUMER
from blockdesk.connectors.models import OutboundDelivery
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation
from tests.support.event_log import drain


def queue_reply(
    agent: User, conversation: Conversation, content: str, capture: Any
) -> OutboundDelivery:
    with capture(execute=True):
        message = conv_services.do_send_agent_message(
            agent=agent, conversation=conversation, content=content
        ).message
    drain(CONSUMER)
    return OutboundDelivery.objects.get(message=message)
