""" "What changed?" answered from the update log (registered with common/notices.py)."""

from __future__ import annotations

import re

from django.utils import translation
from django.utils.translation import gettext as _

from blockdesk.announcements import selectors, services
from blockdesk.common.notices import Notice, NoticeQuery

# Questions about recent changes, English and Chinese. Narrow on purpose: a customer who
# says "my balance changed" is not asking for the release notes.
_ASKS = re.compile(
    r"\b(what(?:'s| is| has)? (?:new|changed)|what changed|any (?:updates?|news|changes)|"
    r"latest (?:updates?|changes|release|news)|release notes|change ?log|"
    r"recent (?:changes|updates))\b"
    r"|更新了什么|有什么(?:新|变化|更新)|最新(?:公告|动态|更新)|更新日志|改了什么|新功能",
    re.IGNORECASE,
)


def asks_what_changed(text: str) -> bool:
    return bool(_ASKS.search(text or ""))


def what_changed(query: NoticeQuery) -> Notice | None:
    if not asks_what_changed(query.text):
        return None
    posts = selectors.recent(account_id=query.account_id, language=query.language, limit=3)
    if not posts:
        return None
    with translation.override(query.language):
        lines = [_("Here is what changed recently:")]
        for shown in posts:
            published = shown.post.published_at
            day = published.date().isoformat() if published else ""
            url = services.public_url(shown.post, query.language)
            line = f"- **{shown.title}** ({day}): {shown.summary}".rstrip(": ")
            lines.append(f"{line} [{_('Read more')}]({url})")
    return Notice(kind="changes", text="\n".join(lines), answers=True)
