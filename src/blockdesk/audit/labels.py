"""Human names of event types for the audit log, translated.

A type may carry its own `label` (events.registry.register_event_type(label=...)); the
types registered before labels existed are named here. Anything else falls back to the
registered (English) description, then to the bare name (an old event whose type is gone).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from blockdesk.events.registry import UnknownEventType, get_event_type

LABELS: dict[str, Promise] = {
    "conversation.created": _("Conversation opened"),
    "conversation.status_changed": _("Conversation status changed"),
    "conversation.assigned": _("Conversation assigned"),
    "conversation.team_changed": _("Conversation team changed"),
    "conversation.priority_changed": _("Conversation priority changed"),
    "conversation.tags_changed": _("Conversation tags changed"),
    "message.created": _("Message written"),
    "contact.wallet_verified": _("Customer verified a wallet"),
    "contact.merged": _("Customer profiles merged"),
    "contact.erased": _("Customer data erased"),
    "account.two_factor_requirement_changed": _("Two-factor requirement changed"),
    "api_token.created": _("API token created"),
    "api_token.revoked": _("API token revoked"),
    "webhook.created": _("Webhook added"),
    "agent.added": _("Agent added"),
    "agent.role_changed": _("Agent role changed"),
    "agent.deactivated": _("Agent deactivated"),
    "agent.reactivated": _("Agent reactivated"),
    "chain.added": _("Blockchain network added"),
    "chain.changed": _("Blockchain network changed"),
    "official_channel.added": _("Official channel added"),
    "official_channel.changed": _("Official channel changed"),
    "official_channel.removed": _("Official channel removed"),
}


def event_label(name: str) -> str:
    try:
        event_type = get_event_type(name)
    except UnknownEventType:
        return str(LABELS.get(name, name))
    if event_type.label is not None:
        return str(event_type.label)
    return str(LABELS.get(name) or event_type.description)
