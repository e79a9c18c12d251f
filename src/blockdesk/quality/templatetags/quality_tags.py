"""`{% quality_panel conversation %}` in the conversation view: the reviews of the case
the agent may see (leads: all; an agent: those of their own work) and, for leads, the
link to the review form. One query for the reviews; nothing shown when there is nothing
to say."""

from __future__ import annotations

from typing import Any

from django import template

from blockdesk.quality import selectors

register = template.Library()


@register.inclusion_tag("quality/_conversation_panel.html", takes_context=True)
def quality_panel(context: template.Context, conversation: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.account_id is None:
        return {"show": False}
    reviews = list(selectors.conversation_reviews(user=user, conversation_id=conversation.pk))
    lead = selectors.is_lead(user)
    return {
        "show": lead or bool(reviews),
        "lead": lead,
        "reviews": reviews,
        "conversation": conversation,
    }
