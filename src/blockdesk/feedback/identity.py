"""Who is signed in on the public side.

Stand-in until the customers app (issue 15 §1) lands: it will be
`customers.selectors.signed_in_customer(request)`, bound 1:1 to a Contact. Until then a
session key set by whatever signed the customer in holds the contact's id. Every view
asks through this one function, so the switch is one edit."""

from __future__ import annotations

from django.http import HttpRequest

from blockdesk.conversations.models import Contact

SESSION_KEY = "blockdesk_customer_contact_id"


def signed_in_contact(request: HttpRequest, *, account_id: int) -> Contact | None:
    raw = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not isinstance(raw, int):
        return None
    return Contact.objects.filter(pk=raw, account_id=account_id).first()


def sign_in_contact(request: HttpRequest, contact: Contact) -> None:
    """For tests and the demo only (the customers app owns signing in)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = contact.pk
