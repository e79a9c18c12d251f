"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from blockdesk.ops.asgi import count_websockets  # noqa: E402
from blockdesk.ws_routes import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": count_websockets(  # open-socket gauge for /metrics (ops/asgi.py)
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# eth_account (through py_ecc) raises the recursion limit when imported; import it now, under
# control, and make sure no import left the limit where C recursion can crash the process.
from blockdesk.common.eth import ensure_safe_recursion_limit  # noqa: E402

ensure_safe_recursion_limit()
