"""Channels WebSocket URL routes (the agent console socket and the widget visitor socket).

Only the console's socket goes through channels' cookie, session and auth middleware (it
is a signed-in agent's). A widget visitor proves who they are with their token in the
first frame (widget/consumers.py) and never reads a session or a user: without that stack
each of a node's thousands of idle widget sockets keeps fewer objects alive and costs
less to open (docs/benchmarks/idle-sockets.md)."""

from channels.auth import AuthMiddlewareStack
from django.urls import path

from blockdesk.conversations.consumers import AgentConsumer
from blockdesk.widget.consumers import VisitorConsumer

websocket_urlpatterns = [
    path("ws/agent/", AuthMiddlewareStack(AgentConsumer.as_asgi())),
    path("ws/widget/<str:public_token>/", VisitorConsumer.as_asgi()),
]
