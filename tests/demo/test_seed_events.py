"""The demo's data goes through the owners' services, so its event log is what a real
install's would be: every demo customer has its `contact.created` (source "import")."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from blockdesk.accounts.models import Account
from blockdesk.conversations.models import Contact
from blockdesk.demo.management.commands.seed_demo import DEMO_ACCOUNT
from blockdesk.events.models import Event


@pytest.mark.django_db
def test_every_demo_customer_is_on_the_event_log() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    account = Account.objects.get(name=DEMO_ACCOUNT)
    contacts = set(Contact.objects.filter(account=account).values_list("pk", flat=True))
    created = Event.objects.filter(account=account, name="contact.created")
    assert contacts and {e.payload["contact_id"] for e in created} == contacts
    assert {e.payload["source"] for e in created} == {"import"}
    linked = Event.objects.filter(account=account, name="contact.identity_linked")
    assert {e.payload["value"] for e in linked} >= set(
        Contact.objects.filter(account=account).exclude(email="").values_list("email", flat=True)
    )
