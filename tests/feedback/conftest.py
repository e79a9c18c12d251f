from __future__ import annotations

import pytest

from blockdesk.conversations.models import Contact
from tests.support.live_server import fresh_cache_namespace


@pytest.fixture(autouse=True)
def _own_cache(settings):  # type: ignore[no-untyped-def]
    fresh_cache_namespace(settings)
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "webhooks"],
        }
    }


@pytest.fixture
def customers(account):  # type: ignore[no-untyped-def]
    return [
        Contact.objects.create(account=account, name=f"c{i}", email=f"c{i}@example.com")
        for i in range(6)
    ]


def sign_in(client, contact):  # type: ignore[no-untyped-def]
    """A customer account for the contact and a session cookie, as the sign-in gives."""
    from blockdesk.customers import services as customer_services
    from blockdesk.customers.models import CustomerAccount
    from blockdesk.customers.selectors import SESSION_COOKIE

    customer, _created = CustomerAccount.objects.get_or_create(
        account_id=contact.account_id,
        contact=contact,
        defaults={"display_name": f"member{contact.pk}"},
    )
    started = customer_services.do_start_session(customer=customer, method="email_link")
    client.cookies[SESSION_COOKIE] = started.token
