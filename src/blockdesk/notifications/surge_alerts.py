"""Leads hear about surge mode (staffing/surge.py): a consumer of the staffing app's
`staffing.surge_started` / `staffing.surge_ended` events, read by name so this app needs
nothing from staffing (they are independent layers). Leads are the account's active
administrators and every team's leads (a surge is account-wide)."""

from __future__ import annotations

import logging

from django.db.models import Q
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.conversations.models import Conversation
from blockdesk.events.models import Event
from blockdesk.notifications.agent_alerts import do_alert_agents

logger = logging.getLogger(__name__)

CONSUMER = "notifications.surge_alerts"
STARTED = "staffing.surge_started"
ENDED = "staffing.surge_ended"


def handle_surge_event(event: Event) -> None:
    payload = event.payload or {}
    if event.name == STARTED:
        text = _("Surge mode started: %(reason)s") % {"reason": payload.get("reason") or "—"}
        kind = "surge_started"
    else:
        text = _("Surge mode ended.")
        kind = "surge_ended"
    # An agent alert hangs off a conversation (the console links to it): the latest
    # arrival, which during a surge is one of the flood.
    latest = Conversation.objects.filter(account_id=event.account_id).order_by("-id").first()
    if latest is None:
        logger.info("surge alert: account %s has no conversation yet", event.account_id)
        return
    leads = User.objects.filter(account_id=event.account_id, is_active=True).filter(
        Q(role=User.Role.ADMIN) | Q(team_memberships__is_lead=True)
    )
    do_alert_agents(
        conversation=latest,
        users=list(leads.distinct()),
        kind=kind,
        subject=_("[Blockdesk] %(text)s") % {"text": text},
        text=text,
    )
