"""Under an X message in the console: its media that were not fetched (yet), each with
the reason and whether it is still being retried (inbound_media.py), and files the
widget's limits refused."""

from __future__ import annotations

from django.template.loader import render_to_string

from blockdesk.connectors.x.models import XMediaFetch
from blockdesk.conversations.models import Message


def x_extra(message: Message) -> str:
    channel = (message.metadata or {}).get("channel") or {}
    meta = channel.get("x")
    if channel.get("kind") != "x" or not isinstance(meta, dict):
        return ""
    skipped = channel.get("skipped_attachments") or []
    if not meta.get("media_failed") and not skipped:
        return ""  # no query for the usual message
    fetches = XMediaFetch.objects.filter(message=message).order_by("pk")
    return render_to_string(
        "connectors/x/_message_media.html",
        {"fetches": [f for f in fetches if f.status != XMediaFetch.Status.FETCHED],
         "fetched": sum(f.status == XMediaFetch.Status.FETCHED for f in fetches),
         "skipped": skipped},
    )  # fmt: skip
