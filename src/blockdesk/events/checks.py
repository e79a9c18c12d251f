"""System check: every consumer subscribes only to registered event types."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register


@register()
def check_consumers(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    from blockdesk.events.consumers import all_consumers
    from blockdesk.events.registry import UnknownEventType, get_event_type

    errors: list[CheckMessage] = []
    for consumer in all_consumers():
        for name in sorted(consumer.event_names or ()):
            try:
                get_event_type(name)
            except UnknownEventType:
                errors.append(
                    Error(
                        f"event consumer {consumer.name!r} subscribes to unknown event {name!r}",
                        id="events.E001",
                    )
                )
    return errors
