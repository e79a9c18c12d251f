"""Team leads hear what issue 14 sends "to a lead": a low satisfaction rating (the
surveys app's `surveys.low_rating` event, read by name: the two apps are independent
layers). The case's team leads are alerted, else (no team, or a team without a lead) the
account's administrators: a push to their console and an email (agent_alerts.py).

SLA escalations alert the escalation team's leads from the sla app itself (sla/timers.py),
in the transaction of the breach."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from blockdesk.accounts.selectors import leads_or_admins
from blockdesk.conversations.models import Conversation
from blockdesk.events.models import Event
from blockdesk.notifications.agent_alerts import do_alert_agents

logger = logging.getLogger(__name__)

CONSUMER = "notifications.lead_alerts"
LOW_RATING = "surveys.low_rating"
KIND = "csat_low"


def handle_lead_event(event: Event) -> None:
    payload = event.payload or {}
    conversation_id = payload.get("conversation_id")
    if not isinstance(conversation_id, int):
        return  # redacted (an erased customer's event)
    conversation = Conversation.objects.filter(
        pk=conversation_id, account_id=event.account_id
    ).first()
    if conversation is None:
        return
    # The team now, not at the rating: a case moved since goes to its new team's leads.
    users = leads_or_admins(account_id=event.account_id, team_id=conversation.team_id)
    text = _("Low satisfaction rating (%(score)s/5) on #%(number)s") % {
        "score": payload.get("score"),
        "number": conversation.display_id,
    }
    do_alert_agents(
        conversation=conversation,
        users=users,
        kind=KIND,
        subject=_("[Blockdesk] %(text)s") % {"text": text},
        text=text,
    )
