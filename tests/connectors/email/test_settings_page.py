"""Settings → Email inboxes: an administrator adds an inbox (secrets stored encrypted,
never shown back), edits it keeping the secret, and tests the IMAP connection against a
real Dovecot; agents and other accounts are kept out."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from blockdesk.connectors.email.models import EmailChannel

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Support mail",
        "from_address": "support@demo-exchange.example",
        "imap_port": 993,
        "imap_security": "tls",
        "imap_auth": "password",
        "imap_folder": "INBOX",
    }
    data.update(overrides)
    return data


def test_an_admin_adds_an_inbox_tests_it_and_the_password_never_comes_back(admin_user, dovecot):
    admin = client_for(admin_user)
    response = admin.post(
        reverse("email_channel:list"),
        form(
            imap_enabled="on",
            imap_host=dovecot.host,
            imap_port=dovecot.port,
            imap_security="none",
            imap_username=dovecot.user,
            imap_secret=dovecot.password,
        ),
    )
    assert response.status_code == 302
    channel = EmailChannel.objects.get()
    assert channel.imap_secret == dovecot.password and channel.inbox.name == "Support mail"
    edit = reverse("email_channel:edit", args=[channel.inbox_id])
    page = admin.get(edit).content.decode()
    assert dovecot.password not in page
    # Saving without a password keeps the stored one.
    data = form(
        name="Renamed",
        imap_enabled="on",
        imap_host=dovecot.host,
        imap_port=dovecot.port,
        imap_security="none",
        imap_username=dovecot.user,
    )
    assert admin.post(edit, data).status_code == 302
    channel.refresh_from_db()
    assert channel.imap_secret == dovecot.password and channel.inbox.name == "Renamed"
    tested = admin.post(reverse("email_channel:test", args=[channel.inbox_id]), follow=True)
    assert "Connected: " in tested.content.decode()


def test_agents_and_other_accounts_cannot_reach_it(admin_user, agent, email_channel):
    assert client_for(agent).get(reverse("email_channel:list")).status_code in (302, 403)
    from blockdesk.accounts.models import Account, User
    from blockdesk.accounts.services import do_create_agent

    other = do_create_agent(
        account=Account.objects.create(name="Other"),
        username="eve",
        email="eve@example.com",
        password="correct-horse-battery-9",
        role=User.Role.ADMIN,
    )
    url = reverse("email_channel:edit", args=[email_channel.inbox_id])
    assert client_for(other).get(url).status_code == 404
