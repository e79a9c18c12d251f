"""`{% wallet_strings "id" %}`: the sign-in scripts' strings as a JSON script tag (not
executed, so the strict CSP allows it), in the language the page is rendered in."""

from __future__ import annotations

from django import template
from django.utils.html import json_script
from django.utils.safestring import SafeString

from blockdesk.wallet_auth.services import EXPLANATION
from blockdesk.wallet_auth.strings import WALLET_STRINGS, translated

register = template.Library()


@register.simple_tag
def wallet_strings(element_id: str) -> SafeString:
    strings = translated(WALLET_STRINGS)
    strings["explanation"] = str(EXPLANATION)
    return json_script(strings, element_id)
