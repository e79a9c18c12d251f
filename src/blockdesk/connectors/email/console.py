"""Under an email's message in the console: SPF/DKIM/DMARC, an impersonation warning,
automatic mail, refused attachments, and the full original text one click away."""

from __future__ import annotations

from django.template.loader import render_to_string

from blockdesk.conversations.models import Message


def email_extra(message: Message) -> str:
    channel = (message.metadata or {}).get("channel") or {}
    meta = channel.get("email")
    if channel.get("kind") != "email" or not isinstance(meta, dict):
        return ""
    return render_to_string(
        "connectors/email/_message_meta.html",
        {
            "auth": meta.get("auth") or {},
            "original": meta.get("original") or "",
            "has_quote": meta.get("has_quote"),
            "automatic": channel.get("automatic") or "",
            "skipped": channel.get("skipped_attachments") or [],
            "sender": meta.get("from") or "",
        },
    )
