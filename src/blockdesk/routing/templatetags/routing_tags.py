"""{% presence_toggle %}: the agent's presence in the console's top bar."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string

from blockdesk.accounts.models import User
from blockdesk.routing.models import AgentRouting
from blockdesk.routing.selectors import presence_of

register = template.Library()


@register.simple_tag(takes_context=True)
def presence_toggle(context: Any) -> str:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not isinstance(user, User) or not user.is_authenticated:
        return ""
    return render_to_string(
        "routing/_presence.html",
        {
            "presence": presence_of(user=user),
            "choices": AgentRouting.Presence.choices,
            "next": request.get_full_path(),
        },
        request=request,
    )
