"""`{% status_notice language %}`: the open incidents, for the widget, the help center and
the agents' console (templates include it)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from blockdesk.kb.selectors import help_center_account
from blockdesk.statuspage import selectors

register = template.Library()


@register.simple_tag
def status_bars(days: list[selectors.Day]) -> SafeString:
    """The 90 day bars of one component. Built here, not by a template loop: 90 bars times
    every component was most of the status page's time (each `{% for %}` step with a date
    filter costs tens of microseconds)."""
    bars = []
    for day in days:
        worst, date = escape(day.worst), day.date.isoformat()
        bars.append(
            f'<li class="bar state-{worst}" title="{date}">'
            f'<span class="visually-hidden">{date}: {worst}</span></li>'
        )
    return mark_safe("".join(bars))  # noqa: S308 - each value escaped above


@register.inclusion_tag("statuspage/_notice.html", takes_context=True)
def status_notice(
    context: template.Context, language: str = "en", framed: bool = False
) -> dict[str, Any]:
    channel = context.get("channel")
    user = context.get("user")
    account_id = None
    if channel is not None:
        account_id = channel.inbox.account_id
    elif user is not None and getattr(user, "account_id", None):
        account_id = user.account_id
    else:
        account = context.get("account") or help_center_account()
        account_id = account.pk if account else None
    if account_id is None:
        return {"incidents": []}
    incidents = list(selectors.open_incidents(account_id=account_id)[:3])
    return {"incidents": incidents, "language": language, "framed": framed}
