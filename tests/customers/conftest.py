"""Customer-account test helpers: an isolated cache per test (rate-limit counters) and a
signed-in customer client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from blockdesk.accounts.models import Account
from blockdesk.conversations.models import Contact
from blockdesk.customers import selectors, services
from blockdesk.customers.models import CustomerAccount


@pytest.fixture(autouse=True)
def _isolated_cache(settings: Any) -> Iterator[None]:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"customers-tests-{uuid.uuid4().hex}",
        }
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield


def make_customer(account: Account, *, email: str = "", name: str = "") -> CustomerAccount:
    contact = Contact.objects.create(account=account, email=email)
    from django.db import transaction

    with transaction.atomic():
        customer, _created = services.do_get_or_create_customer(
            contact=contact, method="email_link"
        )
    if name:
        customer = services.do_update_profile(customer=customer, display_name=name)
    return customer


def signed_in_client(customer: CustomerAccount) -> Client:
    client = Client()
    started = services.do_start_session(customer=customer, method="email_link")
    client.cookies[selectors.SESSION_COOKIE] = started.token
    return client
