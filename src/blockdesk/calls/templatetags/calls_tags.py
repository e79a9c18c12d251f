from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.html import json_script
from django.utils.safestring import SafeString

from blockdesk.calls.strings import CALL_STRINGS

register = template.Library()


@register.simple_tag
def call_strings() -> SafeString:
    """The call UI's strings in the active language, as a JSON script element."""
    return json_script({k: str(v) for k, v in CALL_STRINGS.items()}, "bd-call-strings")


@register.simple_tag
def call_ring_seconds() -> int:
    """How long the caller's page lets a call ring (the server ends it as missed too)."""
    return int(settings.CALLS_RING_SECONDS)


@register.simple_tag
def call_recording_max_bytes() -> int:
    """The console's recorder stops (and keeps nothing) past the server's upload limit."""
    return int(settings.CALL_RECORDING_MAX_BYTES)
