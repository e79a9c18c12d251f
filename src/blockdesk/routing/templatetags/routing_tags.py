"""{% presence_toggle %}: the agent's presence in the console's top bar;
{% routing_widget_config %}: the chat frame's queue notice."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

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


@register.simple_tag
def routing_widget_config(public_token: str) -> dict[str, Any]:
    """The queue notice's endpoint and texts for the chat frame (static/routing/widget.js)."""
    return {
        "endpoint": reverse("routing_public:widget_queue", args=[public_token]),
        "strings": {
            "place": _("You are number %(n)s in line. Estimated wait: about %(m)s min."),
            "place_no_estimate": _(
                "You are number %(n)s in line. An agent will answer as soon as one is free."
            ),
        },
    }
