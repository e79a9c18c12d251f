from __future__ import annotations

from collections.abc import Iterator

import pytest

from blockdesk.events import consumers, registry
from tests.events import support


@pytest.fixture(autouse=True)
def event_types() -> Iterator[None]:
    support.register_types()
    # The apps' own consumers (webhooks.fan_out …) are set aside: these tests count what
    # the dispatcher hands out. Wiring tests that need them live with their app.
    apps_consumers = dict(consumers._CONSUMERS)
    consumers._CONSUMERS.clear()
    yield
    consumers._CONSUMERS.clear()
    consumers._CONSUMERS.update(apps_consumers)
    registry.unregister_event_type(support.PING)
    registry.unregister_event_type(support.OTHER)
