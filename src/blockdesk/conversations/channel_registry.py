"""Maps an inbox's `channel_kind` to the model that implements that channel.

Here, below the channels, so that `Inbox.channel` needs no import of them: each channel
app registers its model (`@register_channel`) when its models load."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from blockdesk.connectors.models.base import BaseChannel
    from blockdesk.conversations.models import Inbox

_REGISTRY: dict[str, type[BaseChannel]] = {}
C = TypeVar("C", bound="type[BaseChannel]")


def register_channel(cls: C) -> C:
    _REGISTRY[cls.kind] = cls
    return cls


def channel_class(kind: str) -> type[BaseChannel]:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(f"unknown channel kind {kind!r}") from None


def channel_for_inbox(inbox: Inbox) -> BaseChannel:
    cache = getattr(inbox, "_channel_cache", None)
    if cache is None:
        cache = channel_class(inbox.channel_kind).objects.get(inbox=inbox)  # type: ignore[attr-defined]
        inbox._channel_cache = cache  # type: ignore[attr-defined]
    return cache
