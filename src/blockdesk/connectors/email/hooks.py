"""What the email channel needs from apps above it, registered from their `ready()`:
the customer's anti-phishing code (the trust app's), filled by notifications/apps.py."""

from __future__ import annotations

from collections.abc import Callable

from blockdesk.conversations.models import Contact

ANTI_PHISHING_CODE: list[Callable[[Contact], str | None]] = []


def anti_phishing_code(contact: Contact) -> str | None:
    for lookup in ANTI_PHISHING_CODE:
        code = lookup(contact)
        if code:
            return code
    return None
