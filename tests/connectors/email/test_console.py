"""The console shows what the channel knows under each message, through the generic hook
(connectors/console.py): an email's authenticity, impersonation warning and original text;
a reply's delivery status with a retry button that works only for agents of the inbox."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from blockdesk.connectors.email.ingest import ingest_raw
from blockdesk.connectors.models import OutboundDelivery
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation

from .mails import raw

FORGED = (
    "mx.demo-exchange.example; spf=fail smtp.mailfrom=x@evil.example; dkim=none; "
    "dmarc=fail header.from=demo-exchange.example"
)


@pytest.fixture
def agent_client(agent) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(agent)
    return client


def page(client: Client, conversation: Conversation) -> str:
    response = client.get(reverse("workspace:conversation", args=[conversation.display_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_email_shows_its_authenticity_warning_and_original(email_channel, agent_client):
    body = "Please send me your key.<script>x</script>\n\nOn Mon, Support wrote:\n> quoted"
    ingest_raw(
        channel=email_channel,
        raw=raw(
            sender="security@demo-exchange.example",
            body=body,
            headers={"Authentication-Results": FORGED},
        ),
    )
    html = page(agent_client, Conversation.objects.get(inbox=email_channel.inbox))
    assert "Likely impersonation" in html
    assert "DMARC fail" in html and "SPF fail" in html
    assert "Show the full mail" in html and "&gt; quoted" in html
    assert "<script>x</script>" not in html


def test_a_failed_delivery_shows_its_reason_and_an_agent_retries_it(
    email_channel, agent, agent_client, outsider
):
    ingest_raw(channel=email_channel, raw=raw())
    conversation = Conversation.objects.get(inbox=email_channel.inbox)
    message = conv_services.do_send_agent_message(
        agent=agent, conversation=conversation, content="Answer"
    ).message
    delivery = OutboundDelivery.objects.create(
        message=message, inbox=email_channel.inbox, status="failed", reason="SMTP 550", attempts=1
    )
    html = page(agent_client, conversation)
    assert 'data-delivery-status="failed"' in html and "SMTP 550" in html
    url = reverse("connectors:retry_delivery", args=[delivery.pk])
    assert url in html

    stranger = Client()
    stranger.force_login(outsider)
    assert stranger.post(url).status_code == 404  # not an agent of this inbox
    delivery.refresh_from_db()
    assert delivery.status == "failed"

    response = agent_client.post(url)
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "queued" and delivery.attempts == 0
