"""Channels WebSocket URL routes (the agent console socket and the widget visitor socket)."""

from django.urls import path

from blockdesk.conversations.consumers import AgentConsumer
from blockdesk.widget.consumers import VisitorConsumer

websocket_urlpatterns = [
    path("ws/agent/", AgentConsumer.as_asgi()),
    path("ws/widget/<str:public_token>/", VisitorConsumer.as_asgi()),
]
