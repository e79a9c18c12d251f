"""Where webhooks may be sent: the common outbound-address guard
(:mod:`blockdesk.common.netguard`) with the operator's ``WEBHOOK_ALLOW_PRIVATE_TARGETS``.
The address is checked when the webhook is saved and again at every send, and the request
goes to the checked address, so a DNS answer that changes in between cannot redirect it."""

from __future__ import annotations

from django.conf import settings

from blockdesk.common.netguard import (
    Target,
    UnresolvableHost,
    UnsafeTarget,
    check_url_syntax,
    resolve_public_target,
)

__all__ = ["Target", "UnresolvableHost", "UnsafeTarget", "check_url_syntax", "resolve_target"]


def resolve_target(url: str) -> Target:
    """Checks the URL and picks the address to send to; raises UnsafeTarget."""
    return resolve_public_target(url, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)
