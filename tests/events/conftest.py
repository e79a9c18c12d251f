from __future__ import annotations

from collections.abc import Iterator

import pytest

from blockdesk.events import consumers, registry
from tests.events import support


@pytest.fixture(autouse=True)
def event_types() -> Iterator[None]:
    support.register_types()
    before = set(consumers._CONSUMERS)
    yield
    for name in set(consumers._CONSUMERS) - before:
        consumers.unregister_consumer(name)
    registry.unregister_event_type(support.PING)
    registry.unregister_event_type(support.OTHER)
