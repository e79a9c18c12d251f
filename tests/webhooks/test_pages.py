"""Settings → Webhooks as an administrator uses it; agents are kept out."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from blockdesk.conversations import services as conv
from blockdesk.webhooks import services
from blockdesk.webhooks.models import Webhook, WebhookDelivery
from tests.webhooks.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/app/settings/webhooks/"


@pytest.fixture
def admin_client(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_agents_get_403_everywhere(agent, admin_user, receiver):
    webhook = services.do_create_webhook(
        actor=admin_user, url=receiver.url, events=["message.created"]
    )
    client = Client()
    client.force_login(agent)
    for path in ("", "new/", f"{webhook.pk}/", f"{webhook.pk}/secret/"):
        assert client.get(URL + path).status_code == 403, path
    for path in (f"{webhook.pk}/delete/", f"{webhook.pk}/rotate-secret/", f"{webhook.pk}/ping/"):
        assert client.post(URL + path).status_code == 403, path
    assert Webhook.objects.filter(pk=webhook.pk).exists()
    page = client.get(URL + f"{webhook.pk}/secret/")
    assert webhook.secret not in page.content.decode()


def test_create_edit_secret_ping_retry_disable_delete(admin_client, admin_user, receiver):
    response = admin_client.post(
        URL + "new/", {"url": receiver.url, "events": ["message.created"], "active": "on"}
    )
    assert response.status_code == 302
    webhook = Webhook.objects.get()
    assert webhook.events == ["message.created"] and webhook.active
    detail = URL + f"{webhook.pk}/"
    assert response["Location"] == detail

    listing = admin_client.get(URL).content.decode()
    assert receiver.url.replace("&", "&amp;") in listing
    assert webhook.secret not in listing  # only on its own page

    secret_page = admin_client.get(detail + "secret/")
    assert secret_page["Cache-Control"] == "no-store"
    shown = re.search(r'data-testid="webhook-secret">([^<]+)<', secret_page.content.decode())
    assert shown.group(1) == webhook.secret
    receiver.secret = webhook.secret

    response = admin_client.post(
        detail,
        {
            "url": receiver.url,
            "events": ["message.created", "conversation.created"],
            "active": "on",
        },
    )
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert webhook.events == ["conversation.created", "message.created"]

    receiver.failures = 1
    assert admin_client.post(detail + "ping/").status_code == 302
    run_worker()
    delivery = WebhookDelivery.objects.get(event="webhook.ping")
    assert delivery.status == "retrying"  # its next attempt is a minute or more away
    page = admin_client.get(detail).content.decode()
    assert "webhook.ping" in page and "HTTP 500" in page and "Retry now" in page

    assert admin_client.post(detail + f"deliveries/{delivery.pk}/retry/").status_code == 302
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert receiver.received[-1].valid_signature

    assert admin_client.post(detail + "active/", {"active": "0"}).status_code == 302
    webhook.refresh_from_db()
    assert not webhook.active

    assert admin_client.post(detail + "delete/").status_code == 302
    assert not Webhook.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_form_errors_are_shown(admin_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    response = admin_client.post(
        URL + "new/", {"url": "http://127.0.0.1:9/hook", "events": ["message.created"]}
    )
    assert response.status_code == 400
    assert "private or local network" in response.content.decode()
    response = admin_client.post(URL + "new/", {"url": "https://93.184.215.14/"})
    assert response.status_code == 400
    assert not Webhook.objects.exists()


def test_other_accounts_webhooks_are_404(admin_client, other_account, receiver):
    from blockdesk.accounts.services import do_create_agent
    from tests.conftest import PASSWORD

    other_admin = do_create_agent(
        account=other_account,
        username="oa",
        email="oa@example.com",
        password=PASSWORD,
        role="admin",
    )
    theirs = services.do_create_webhook(
        actor=other_admin, url=receiver.url, events=["message.created"]
    )
    assert admin_client.get(URL + f"{theirs.pk}/").status_code == 404
    assert admin_client.get(URL + f"{theirs.pk}/secret/").status_code == 404
    assert admin_client.post(URL + f"{theirs.pk}/delete/").status_code == 404
    assert Webhook.objects.filter(pk=theirs.pk).exists()


def test_pages_have_no_inline_styles_or_scripts(
    admin_client, admin_user, receiver, channel, contact
):
    webhook = services.do_create_webhook(
        actor=admin_user, url=receiver.url, events=["message.created"]
    )
    conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="<b>x</b>"
    )
    for path in ("", "new/", f"{webhook.pk}/", f"{webhook.pk}/secret/"):
        html = admin_client.get(URL + path).content.decode()
        assert " style=" not in html and "onclick" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)
