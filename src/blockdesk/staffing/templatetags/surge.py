"""`{% surge_banner %}`: the console's banner while the agent's account is in surge mode
(included once in workspace/layout.html)."""

from __future__ import annotations

from typing import Any

from django import template

from blockdesk.accounts.models import User
from blockdesk.staffing import surge

register = template.Library()


@register.inclusion_tag("staffing/_surge_banner.html", takes_context=True)
def surge_banner(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User) or user.account_id is None:
        return {"surge": None}
    return {"surge": surge.open_surge(user.account_id), "is_admin": user.is_account_admin}
