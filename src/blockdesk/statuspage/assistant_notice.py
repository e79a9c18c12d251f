"""While an incident is open, the assistant tells a customer who asks about an affected
feature (registered with common/notices.py): matched by the assistant's intent or by the
component's topic words in the message."""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext as _

from blockdesk.common.notices import Notice, NoticeQuery
from blockdesk.statuspage import selectors

_WORDS = re.compile(r"[a-z0-9_\-]+|[\u4e00-\u9fff]{2,}", re.IGNORECASE)


def _words(text: str) -> set[str]:
    found = {w.lower() for w in _WORDS.findall(text or "")}
    # Simple plurals: "deposits" → "deposit".
    found |= {w[:-1] for w in found if w.endswith("s") and len(w) > 3}
    # Chinese has no spaces: every topic that occurs as a substring counts.
    return found


def incident_notice(query: NoticeQuery) -> Notice | None:
    words = _words(query.text)
    if query.intent:
        words.add(query.intent.lower())
    # Asked for every customer message the assistant handles: on most days there is no
    # open incident, said by one cheap statement; otherwise read once.
    if not selectors.any_open_incident(account_id=query.account_id):
        return None
    incidents = list(selectors.open_incidents(account_id=query.account_id))
    hits = selectors.affected_by_topic(incidents=incidents, words=words)
    if not hits:
        chinese = query.text or ""
        hits = [
            (c, i)
            for item in incidents
            for c in item.components.all()
            for i in [item]
            if any(t and t in chinese for t in c.topics if not t.isascii())
        ]
    if not hits:
        return None
    component, incident = hits[0]
    latest = next(iter(incident.updates.all()), None)
    with translation.override(query.language):
        text = _(
            "Heads-up: we are aware of an issue affecting %(component)s (“%(title)s”, status: "
            "%(status)s). Our team is working on it; the status page has the latest: /status/"
        ) % {
            "component": component.label(query.language),
            "title": incident.title,
            "status": incident.get_status_display(),
        }
        if latest is not None:
            text += "\n\n" + latest.body[:500]
    return Notice(kind="incident", text=text, answers=False)
