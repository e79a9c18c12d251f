"""How an assistant message is shown to agents: which article and confidence produced
it, and where to correct it. Shared by the server-rendered timeline and the live JSON."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from blockdesk.conversations.models import Message


def _action_label(action: str) -> str:
    labels = {
        "answer": _("Answered from an article"),
        "clarify": _("Asked a clarifying question"),
        "diagnose": _("Diagnosed a transaction"),
        "handoff": _("Handed off to a person"),
        "confirmed": _("Customer confirmed it was solved"),
    }
    return labels.get(action, action)


def message_info(message: Message) -> dict[str, Any] | None:
    """None for anything but an assistant message with the assistant's metadata: a public
    reply (its article, confidence, correction) or the handoff note (its folded details)."""
    if message.sender_type != Message.SenderType.ASSISTANT:
        return None
    meta = (message.metadata or {}).get("assistant") or {}
    if not meta:
        return None
    if message.is_private:
        return _note_info(meta)
    confidence = float(meta.get("confidence") or 0.0)
    url = str(meta.get("article_url") or "")
    return {
        "action": meta.get("action", ""),
        "action_label": _action_label(str(meta.get("action", ""))),
        "intent": meta.get("intent", ""),
        "article_key": meta.get("article_key", ""),
        "article_title": meta.get("article_title", ""),
        "article_url": url if url.startswith(("http://", "https://")) else "",
        "confidence_pct": round(confidence * 100),
        "generated": bool(meta.get("generated")),
        "corrected_to": meta.get("corrected_to", ""),
        "can_correct": meta.get("action") in ("answer", "clarify", "handoff"),
        "articles_url": reverse("assistant:article_options", args=[message.pk]),
        "correct_url": reverse("assistant:correction", args=[message.pk]),
        "labels": {
            "from_article": _("From article"),
            "confidence": _("confidence %(pct)s%%"),
            "generated": _("phrased by the language model"),
            "corrected_to": _("Corrected to %(key)s"),
            "wrong": _("Wrong answer?"),
            "should_be": _("It should have been:"),
            "save": _("Save correction"),
            "cancel": _("Cancel"),
            "saved": _("Thanks — the assistant will learn from this correction."),
            "failed": _("The correction could not be saved."),
        },
    }


def _note_info(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The technical lines under the handoff note, folded (a <details> in the console;
    plain strings, escaped where shown)."""
    if meta.get("kind") != "handoff_note":
        return None
    details = [str(line) for line in meta.get("details") or [] if line]
    if not details:
        return None
    return {
        "kind": "handoff_note",
        "details": details,
        "labels": {"details": _("Technical details")},
    }
