"""`{% announcement_banner language %}`: the newest banner post, for the help center's and
the widget's templates (they include it; the announcements app is above them in nothing,
templates are not imports). Hidden when this browser dismissed it (cookie; the static
banner.js does the same with localStorage, inside the widget's frame too)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from blockdesk.announcements import selectors
from blockdesk.announcements.views import dismissed_ids
from blockdesk.kb.selectors import help_center_account, kb_languages

register = template.Library()


@register.inclusion_tag("announcements/_banner.html", takes_context=True)
def announcement_banner(
    context: template.Context, language: str, framed: bool = False
) -> dict[str, Any]:
    request = context.get("request")
    channel = context.get("channel")  # the widget's frame
    account = context.get("account") or (
        channel.inbox.account if channel is not None else help_center_account()
    )
    if account is None:
        return {"banner": None}
    language = language if language in kb_languages() else kb_languages()[0]
    found = selectors.banner(account_id=account.pk, language=language)
    if found is None or (request is not None and found.post.pk in dismissed_ids(request)):
        return {"banner": None}
    return {
        "banner": found,
        "banner_url": reverse("announcements:post", args=[language, found.post.slug]),
        "banner_target": "_blank" if framed else "_self",
        "next_url": request.get_full_path() if request is not None else "/",
        "csrf_token": context.get("csrf_token"),
    }
