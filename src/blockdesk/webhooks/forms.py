from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from blockdesk.events.registry import get_event_type

EVENT_DESCRIPTIONS = {
    "conversation.created": _("A conversation is opened"),
    "conversation.status_changed": _("A conversation's status changes"),
    "conversation.assigned": _("A conversation is assigned or unassigned"),
    "message.created": _("A message or note is written"),
    "contact.wallet_verified": _("A customer signs in with their wallet"),
    "contact.merged": _(
        "Two customer profiles become one (a wallet sign-in, a proven identity, an agent)"
    ),
    "contact.split": _("An agent splits an identity off a customer profile"),
    "contact.erased": _("A customer's data is erased at their request (erase your copies too)"),
    "conversation.team_changed": _("A conversation moves to another team"),
    "conversation.priority_changed": _("A conversation's priority changes"),
    "conversation.tags_changed": _("A conversation's tags change"),
    "account.two_factor_requirement_changed": _("Two-factor sign-in is required or no longer"),
    "api_token.created": _("An API token is created"),
    "api_token.revoked": _("An API token is revoked"),
    "webhook.created": _("A webhook is added"),
    "agent.added": _("An agent is added"),
    "agent.role_changed": _("An agent's role changes (agent or administrator)"),
    "agent.deactivated": _("An agent is deactivated"),
    "agent.reactivated": _("A deactivated agent is reactivated"),
    "assistant.answered": _("The assistant answers a customer"),
    "assistant.handed_off": _("The assistant hands a conversation to a person"),
    "assistant.resolved": _("A conversation the assistant handled is solved"),
    "assistant.corrected": _("An agent corrects an assistant answer"),
    "article.published": _("A help-centre article is published"),
    "article.unpublished": _("A help-centre article is unpublished"),
    "article.changed": _("A help-centre article is edited"),
    "article.deleted": _("A help-centre article is deleted"),
    "chain.added": _("A network is added to the chain settings"),
    "chain.changed": _("A network's settings change (RPC endpoints included)"),
    "official_channel.added": _("An official channel is added (Is this really us?)"),
    "official_channel.changed": _("An official channel is changed (Is this really us?)"),
    "official_channel.removed": _("An official channel is removed (Is this really us?)"),
}


def event_choices() -> list[tuple[str, str]]:
    """Every public event type of the registry; the registry's (English) description
    when no translated one is written here."""
    from blockdesk.webhooks.services import webhook_event_names

    return [
        (name, str(EVENT_DESCRIPTIONS.get(name) or get_event_type(name).description))
        for name in webhook_event_names()
    ]


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Endpoint URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Blockdesk sends a signed POST request here for each event."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=event_choices, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
