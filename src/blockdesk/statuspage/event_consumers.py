"""Each incident update is emailed to the status list's confirmed subscribers (one mailing
per update, keyed by its id: a replay does not mail twice). Transactional: it writes only
the mailing row and queues the first batch on commit."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event
from blockdesk.kb.selectors import kb_languages
from blockdesk.notifications.subscriptions import do_start_mailing
from blockdesk.statuspage import services
from blockdesk.statuspage.models import Incident, IncidentUpdate

CONSUMER = "statuspage.emails"


def on_update(event: Event) -> None:
    update = (
        IncidentUpdate.objects.select_related("incident")
        .filter(pk=event.payload.get("update_id"), incident__account_id=event.account_id)
        .first()
    )
    if update is None:
        return
    incident = update.incident
    url = settings.PUBLIC_URL + reverse("statuspage:incident", args=[incident.pk])
    content = {}
    for language in kb_languages():
        with translation.override(language):
            status = Incident.Status(update.status).label
            context = {
                "incident": incident,
                "update": update,
                "status": status,
                "url": url,
                "components": [c.label(language) for c in incident.components.all()],
            }
            content[language] = {
                "subject": f"[{_('Status')}] {incident.title} · {status}"[:200],
                "text": render_to_string("statuspage/email.txt", context),
                "html": render_to_string("statuspage/email.html", context),
            }
    do_start_mailing(
        account_id=incident.account_id,
        list_name=services.LIST_NAME,
        key=f"incident-update:{update.pk}",
        content=content,
    )


register_consumer(
    CONSUMER, on_update, event_names=["status.incident_updated"], mode="transactional"
)
