"""Two consumers. A new customer starts the welcome sequence (docs/events.md). Transactional: the
handler only writes the enrollment row, which commits with the cursor, once per event.
The sending is done later by the periodic job and the tasks (welcome.py).

`education.first_contact` suggests the guide marked for new customers in a customer's first
conversation (a system message through the conversation services, so every channel
delivers it). This is the assistant's "suggest the right guide to a new customer" without
editing the assistant: the suggestion rides the event log like every other reaction.
Transactional: the offer row, the message and the cursor commit together, once."""

from __future__ import annotations

from blockdesk.conversations.models import Contact
from blockdesk.education import sending
from blockdesk.education.models import WelcomeEnrollment, WelcomeStep
from blockdesk.events.consumers import register_consumer
from blockdesk.events.models import Event

CONSUMER = "education.welcome"


def on_event(event: Event) -> None:
    data = event.payload or {}
    contact_id = data.get("contact_id")
    if not isinstance(contact_id, int):  # redacted (erased customer)
        return
    if not WelcomeStep.objects.filter(account_id=event.account_id, active=True).exists():
        return
    if not Contact.objects.filter(pk=contact_id, account_id=event.account_id).exists():
        return
    WelcomeEnrollment.objects.get_or_create(
        contact_id=contact_id,
        defaults={"account_id": event.account_id, "started_at": event.occurred_at},
    )


# A widget visitor's new profile and a customer who signs up on the public side (whose
# contact may be older, from a first chat) both start it; the enrollment is one per contact.
register_consumer(
    CONSUMER,
    on_event,
    event_names=["contact.created", "customer.signed_up"],
    mode="transactional",
)


FIRST_CONTACT = "education.first_contact"


def on_conversation(event: Event) -> None:
    facts = (event.payload or {}).get("conversation") or {}
    conversation_id, contact_id = facts.get("id"), facts.get("contact_id")
    if not isinstance(conversation_id, int) or not isinstance(contact_id, int):
        return
    sending.do_offer_first_guide(
        account_id=event.account_id, conversation_id=conversation_id, contact_id=contact_id
    )


register_consumer(
    FIRST_CONTACT, on_conversation, event_names=["conversation.created"], mode="transactional"
)
