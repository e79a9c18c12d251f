from blockdesk.connectors.models.base import BaseChannel
from blockdesk.connectors.models.delivery import OutboundDelivery
from blockdesk.connectors.models.linked import LinkedChannel, ReplyRoute
from blockdesk.connectors.models.web_widget import WebWidgetChannel

__all__ = ["BaseChannel", "LinkedChannel", "OutboundDelivery", "ReplyRoute", "WebWidgetChannel"]
