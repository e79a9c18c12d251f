"""The checks every post passes before it is stored.

1. The secret guard (`safety.fields`): seed phrases and keys are replaced by markers, so a
   secret is never published (nor stored).
2. The outbound guard (`safety.outbound_guard`): a staff post that asks for a seed phrase,
   key or password is refused, like an agent's message; a customer post that does is held
   (it is the classic "DM me your phrase and I'll fix it" scam).
3. Links and domains are checked against the official-channel registry with its lookalike
   detection (`trust`): a link to a lookalike domain holds the post.
4. A customer post that poses as support ("official support here", "DM me on Telegram")
   is held: only staff speak for the business, and their posts carry a verified badge.

Held posts wait in the moderation queue; nothing held is shown to anyone but its author
and moderators."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.safety.fields import redact_free_text
from blockdesk.safety.outbound_guard import scan_outbound
from blockdesk.trust.checker import Verdict
from blockdesk.trust.selectors import check_value

_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
_DOMAIN = re.compile(
    r"(?<![@\w.-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?![\w-])", re.IGNORECASE
)
_MAX_LINKS_CHECKED = 20
_POSES_AS_SUPPORT = re.compile(
    r"(official\s+support|support\s+team|customer\s+(support|service)\s+(here|agent)"
    r"|i\s*(am|'m)\s+(an?\s+)?(admin|moderator|support)|(dm|message|contact|pm)\s+me"
    r"|whats\s*app|wa\.me/|t\.me/|客服|官方人员|管理员|私信我|加我)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Checked:
    text: str  # secrets redacted
    redacted: bool
    hold_reasons: tuple[str, ...]


def links_in(text: str) -> list[str]:
    found: list[str] = []
    for match in _URL.finditer(text):
        found.append(match.group(0))
    for match in _DOMAIN.finditer(_URL.sub(" ", text)):
        found.append(match.group(0))
    return found[:_MAX_LINKS_CHECKED]


def lookalike_links(*, account_id: int, text: str) -> list[str]:
    bad = []
    for link in links_in(text):
        try:
            result = check_value(account_id=account_id, value=link)
        except BlockdeskError:
            continue
        if result.verdict == Verdict.NO:
            bad.append(link)
    return bad


def check_post_text(*, account_id: int, text: str, staff: bool) -> Checked:
    """The text to store and why it must be held (empty: publish). Staff posts that ask
    for a secret raise ValidationFailed."""
    clean, findings = redact_free_text(text, account_id=account_id)
    reasons: list[str] = []
    asks = scan_outbound(clean)
    if asks.blocked:
        if staff:
            raise ValidationFailed(asks.explanation, code="outbound_guard")
        reasons.append("asks_for_secret")
    if lookalike_links(account_id=account_id, text=clean):
        reasons.append("lookalike_link")
    if not staff and _POSES_AS_SUPPORT.search(clean):
        reasons.append("poses_as_support")
    return Checked(text=clean, redacted=bool(findings), hold_reasons=tuple(reasons))


def reason_label(code: str) -> str:
    labels = {
        "asks_for_secret": _("asks for a seed phrase, key or password"),
        "lookalike_link": _("links to a lookalike of an official domain"),
        "poses_as_support": _("poses as support staff"),
        "flagged": _("flagged by members"),
        "new_member_links": _("a new member's post with links"),
    }
    return labels.get(code, code)
