"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blockdesk.settings")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from blockdesk.common.asgi_http import SyncChainASGIHandler  # noqa: E402

# Django's handler with one thread hop per request (common/asgi_http.py says why).
django_asgi_app = SyncChainASGIHandler(threads=settings.REQUEST_THREADS)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (needs Django set up)
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from blockdesk.common.realtime import publishing_from_loop  # noqa: E402
from blockdesk.ops.asgi import count_websockets  # noqa: E402
from blockdesk.ws_routes import websocket_urlpatterns  # noqa: E402

application = publishing_from_loop(  # pushes are sent from this loop (common/realtime.py)
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": count_websockets(  # open-socket gauge for /metrics (ops/asgi.py)
                # The console's route has the session and auth middleware (ws_routes.py).
                AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns))
            ),
        }
    )
)

# eth_account (through py_ecc) raises the recursion limit when imported; import it now, under
# control, and make sure no import left the limit where C recursion can crash the process.
from blockdesk.common.eth import ensure_safe_recursion_limit  # noqa: E402

ensure_safe_recursion_limit()

# Under `serve --workers N` with the background work in a worker: one of the workers
# runs it (the one holding the node's lock; common/background.py). Otherwise nothing.
from blockdesk.common.background import host_background_if_elected  # noqa: E402

host_background_if_elected()

# Everything loaded so far (Django, the apps, the URL routes: most of the process's
# objects) lives as long as the process: moved out of the collector's sight, so a full
# collection under load scans the requests' objects only. (The 0.3-0.7 s delivery
# outliers of issue 17 were SQLite's busy handler, not this: common/sqlite_backend.)
import gc  # noqa: E402

gc.collect()
gc.freeze()

# From here on each full collection's survivors are frozen too: the sockets opened later
# are long-lived state like the above (common/collector.py).
if settings.GC_FREEZE_SURVIVORS:
    from blockdesk.common import collector

    collector.install()
