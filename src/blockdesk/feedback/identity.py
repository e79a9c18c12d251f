"""Who is signed in on the public side: the customers app's account, as the contact it is
bound to (the one customer everywhere: votes, progress and registrations are keyed on
`conversations.Contact`). Every public view of feedback and education asks here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from blockdesk.conversations.models import Contact
from blockdesk.customers.decorators import sign_in_url
from blockdesk.customers.selectors import signed_in_customer


def signed_in_contact(request: HttpRequest, *, account_id: int) -> Contact | None:
    customer = signed_in_customer(request)
    if customer is None or customer.account_id != account_id:
        return None
    return customer.contact


def to_sign_in(request: HttpRequest, back: str) -> HttpResponse:
    """An anonymous form post: off to sign in, then back to the page it came from."""
    return HttpResponseRedirect(sign_in_url(back))


def language_of(contact: Contact) -> str:
    """The customer's chosen language, else the one the profile has."""
    customer = getattr(contact, "customer_account", None)
    return (getattr(customer, "locale", "") or contact.locale) if customer else contact.locale
