"""The channel registry lives in conversations (conversations/channel_registry.py), below
the channels; this name stays for the channel models that register through it."""

from blockdesk.conversations.channel_registry import (
    channel_class,
    channel_for_inbox,
    register_channel,
)

__all__ = ["channel_class", "channel_for_inbox", "register_channel"]
