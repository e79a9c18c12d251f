"""Under a Telegram message in the console: the group (and topic) it came from, files
too large to fetch, and a note when the guard had the bot delete it from a group."""

from __future__ import annotations

from django.template.loader import render_to_string

from blockdesk.conversations.models import Message


def telegram_extra(message: Message) -> str:
    channel = (message.metadata or {}).get("channel") or {}
    meta = channel.get("telegram")
    if channel.get("kind") != "telegram" or not isinstance(meta, dict):
        return ""
    return render_to_string(
        "connectors/telegram/_message_meta.html",
        {
            "meta": meta,
            "skipped": channel.get("skipped_attachments") or [],
            "too_large": meta.get("too_large") or [],
        },
    )
