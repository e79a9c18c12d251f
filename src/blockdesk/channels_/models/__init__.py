from blockdesk.channels_.models.base import BaseChannel
from blockdesk.channels_.models.web_widget import WebWidgetChannel

__all__ = ["BaseChannel", "WebWidgetChannel"]
