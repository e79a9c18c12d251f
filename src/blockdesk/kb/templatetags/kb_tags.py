from __future__ import annotations

import re
from collections.abc import Sequence

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from blockdesk.kb.markdown import render_chat_markdown

register = template.Library()


@register.filter
def chat_markdown(text: str) -> SafeString:
    """An assistant's answer (Markdown) as sanitised HTML: raw HTML in it is escaped."""
    return mark_safe(render_chat_markdown(text or ""))  # noqa: S308  (sanitised by nh3)


@register.filter
def kb_mark(text: str, terms: Sequence[str]) -> SafeString:
    """Escape a plain-text snippet, wrapping the matched words in <mark>. The text is
    split on the raw words first, so every piece is escaped exactly once."""
    text = text or ""
    words = sorted({t for t in terms or () if t and t.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("(" + "|".join(re.escape(w) for w in words) + ")", re.IGNORECASE)
    parts = pattern.split(text)
    # re.split with one group alternates: text, match, text, match, ...
    html = "".join(
        f"<mark>{escape(p)}</mark>" if i % 2 else str(escape(p)) for i, p in enumerate(parts)
    )
    return mark_safe(html)  # noqa: S308  (every piece escaped above)
