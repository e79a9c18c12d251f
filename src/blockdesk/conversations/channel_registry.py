"""Maps an inbox's `channel_kind` to the model that implements that channel.

Here, below the channels, so that `Inbox.channel` needs no import of them: each channel
app registers its model (`@register_channel`) when its models load."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

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


# What agents and customers read for each channel kind (the inbox list, the contact page,
# the widget's case list). A channel class may set its own `label` (a lazy translation);
# these are the defaults for the kinds of issue 13.
_LABELS: dict[str, Promise] = {
    "web_widget": gettext_lazy("Website chat"),
    "email": gettext_lazy("Email"),
    "telegram": gettext_lazy("Telegram"),
    "discord": gettext_lazy("Discord"),
    "x": gettext_lazy("X"),
}


def channel_label(kind: str) -> str:
    cls = _REGISTRY.get(kind)
    label = getattr(cls, "label", None) if cls is not None else None
    return str(label or _LABELS.get(kind) or kind)


def channel_choices() -> list[tuple[str, str]]:
    """Every registered channel kind with its label, for filters."""
    return sorted(((kind, channel_label(kind)) for kind in _REGISTRY), key=lambda c: c[1])
