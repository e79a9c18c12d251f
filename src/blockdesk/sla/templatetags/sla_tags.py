"""`{% sla_badge row %}` in a row of the conversation list: the time left before the
nearest SLA deadline, overdue, or paused (docs/sla.md). The deadlines of the whole page
are loaded in one query the first time (the `rows` of the template context) and kept on
the request; the list already holds only conversations the agent may see."""

from __future__ import annotations

from typing import Any

from django import template

from blockdesk.sla import selectors

register = template.Library()


def _page_ids(context: template.Context) -> list[int]:
    ids = []
    for entry in context.get("rows") or []:
        row = entry[0] if isinstance(entry, tuple | list) else entry
        pk = row.get("id") if isinstance(row, dict) else getattr(row, "pk", None)
        if isinstance(pk, int):
            ids.append(pk)
    return ids


@register.inclusion_tag("sla/_badge.html", takes_context=True)
def sla_badge(context: template.Context, conversation: Any) -> dict[str, Any]:
    key = getattr(conversation, "pk", None)
    if not isinstance(key, int):
        return {"show": False}
    if hasattr(conversation, "sla_deadline"):  # the list attached the page's deadlines
        return selectors.badge(conversation.sla_deadline)
    request = context.get("request")
    holder: Any = request if request is not None else context
    cache: dict[int, selectors.Deadline | None] | None = getattr(holder, "_sla_deadlines", None)
    if cache is None:
        cache = {}
        holder._sla_deadlines = cache
    if key not in cache:
        wanted = list({key, *_page_ids(context)} - set(cache))
        found = selectors.deadlines(conversation_ids=wanted)
        for pk in wanted:
            cache[pk] = found.get(pk)
    return selectors.badge(cache[key])
