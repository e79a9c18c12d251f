"""What the chat frame needs for verified badges and the anti-phishing code: the
endpoint and the strings, translated in the frame's language (the frame view renders
inside translation.override)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from blockdesk.trust.services import CODE_MAX, CODE_MIN

register = template.Library()


@register.simple_tag
def trust_widget_config(public_token: str) -> dict[str, Any]:
    return {
        "endpoint": reverse("trust:widget_anti_phishing_code", args=[public_token]),
        "verify_url": reverse("trust:verify"),
        "min": CODE_MIN,
        "max": CODE_MAX,
        "strings": {
            "verified_agent": _("Verified agent"),
            "verified_assistant": _("Verified assistant"),
            "verified_system": _("Verified system message"),
            "your_code": _("Your code: %(code)s"),
            "no_code": _("Set an anti-phishing code to recognise our messages"),
            "saved": _("Saved. Every message from us will show this code."),
            "cleared": _("Your code was removed."),
            "too_short": _("Choose a code of %(min)s to %(max)s characters."),
        },
    }
