"""Small leftovers of the channel work: contact notes written by their owner's service,
the connectors' console reads through scoped selectors, the live "Retry" label
translated, and XOAUTH2 access tokens refreshed before they expire."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.utils import timezone

from blockdesk.accounts.services import do_create_agent
from blockdesk.common.errors import NotFound, ValidationFailed
from blockdesk.connectors import selectors as connector_selectors
from blockdesk.connectors.email import oauth
from blockdesk.connectors.email import selectors as email_selectors
from blockdesk.connectors.email.imap import ImapFailure, connect
from blockdesk.connectors.email.models import EmailChannel
from blockdesk.connectors.email.services import do_create_email_inbox, do_update_email_inbox
from blockdesk.connectors.models import OutboundDelivery
from blockdesk.conversations import contact_services, services
from blockdesk.conversations.models import Contact
from tests.identity.conftest import login, open_case

pytestmark = pytest.mark.django_db

# --- contact notes -------------------------------------------------------------------


def test_notes_are_written_by_the_contact_service(agent, outsider, channel, contact):
    case = open_case(channel.inbox, contact)
    seed = " ".join(["abandon"] * 11 + ["about"])  # a valid BIP-39 test mnemonic
    saved = contact_services.do_update_contact_notes(
        actor=agent, conversation=case, notes=f"VIP\x00 {seed}"
    )
    stored = Contact.objects.get(pk=contact.pk).notes
    assert stored == saved.notes and stored.startswith("VIP") and "abandon" not in stored
    with pytest.raises(ValidationFailed):
        contact_services.do_update_contact_notes(actor=agent, conversation=case, notes="x" * 10_001)
    with pytest.raises(NotFound):
        contact_services.do_update_contact_notes(actor=outsider, conversation=case, notes="no")
    assert Contact.objects.get(pk=contact.pk).notes == stored


# --- scoped reads --------------------------------------------------------------------


def test_a_delivery_is_read_only_by_agents_of_its_inbox(agent, outsider, email_channel, contact):
    case = open_case(email_channel.inbox, contact)
    reply = services.do_send_agent_message(agent=agent, conversation=case, content="hi").message
    delivery, _created = OutboundDelivery.objects.update_or_create(
        message=reply,
        defaults={"inbox": email_channel.inbox, "status": OutboundDelivery.Status.FAILED},
    )
    found = connector_selectors.get_delivery_for_agent(user=agent, delivery_id=delivery.pk)
    assert found.pk == delivery.pk
    with pytest.raises(NotFound):
        connector_selectors.get_delivery_for_agent(user=outsider, delivery_id=delivery.pk)
    assert login(outsider).post(f"/app/channels/deliveries/{delivery.pk}/retry/").status_code == 404
    assert OutboundDelivery.objects.get(pk=delivery.pk).status == OutboundDelivery.Status.FAILED


def test_email_inbox_settings_are_read_within_the_account(
    account, other_account, admin_user, email_channel
):
    other_admin = do_create_agent(
        account=other_account, username="o", email="o@example.com", password="p" * 16,
        role="admin",
    )  # fmt: skip
    assert (
        email_selectors.get_email_channel(user=admin_user, inbox_id=email_channel.inbox_id)
        == email_channel
    )
    assert list(email_selectors.email_channels(user=other_admin)) == []
    with pytest.raises(NotFound):
        email_selectors.get_email_channel(user=other_admin, inbox_id=email_channel.inbox_id)
    page = login(other_admin).get(f"/app/settings/email/{email_channel.inbox_id}/")
    assert page.status_code == 404


# --- the live "Retry" label ----------------------------------------------------------


def test_the_live_retry_label_is_translated(agent, channel, contact):
    agent.preferred_language = "zh-hans"
    agent.save(update_fields=["preferred_language"])
    case = open_case(channel.inbox, contact)
    page = login(agent).get(f"/app/c/{case.display_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert 'data-retry="重试"' in page.content.decode()


# --- XOAUTH2 refresh -----------------------------------------------------------------


class TokenEndpoint:
    """A stand-in for a provider's OAuth2 token endpoint (RFC 6749 §6), on loopback: the
    real ones (Google, Microsoft) cannot be reached from here. It answers like Google's:
    `{"access_token", "expires_in", "scope", "token_type"}`, with `refresh_token` when it
    rotates, or `{"error": "invalid_grant", "error_description": …}` with 400."""

    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.refuse = False
        self.rotate = False
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                endpoint.requests.append(form)
                ok = (
                    form.get("grant_type") == ["refresh_token"]
                    and form.get("refresh_token") in (["refresh-1"], ["refresh-2"])
                    and form.get("client_id") == ["client-1"]
                    and form.get("client_secret") == ["shh"]
                    and not endpoint.refuse
                )
                body: dict[str, Any]
                if ok:
                    body = {
                        "access_token": f"access-{len(endpoint.requests)}",
                        "expires_in": 3599,
                        "scope": "https://mail.google.com/",
                        "token_type": "Bearer",
                    }
                    if endpoint.rotate:
                        body["refresh_token"] = "refresh-2"
                else:
                    body = {
                        "error": "invalid_grant",
                        "error_description": "Token has been expired or revoked.",
                    }
                data = json.dumps(body).encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def token_endpoint(settings: Any) -> Iterator[TokenEndpoint]:
    settings.EMAIL_ALLOW_PRIVATE_HOSTS = True  # the stand-in listens on loopback
    endpoint = TokenEndpoint()
    yield endpoint
    endpoint.close()


@pytest.fixture
def oauth_channel(account, admin_user, token_endpoint) -> EmailChannel:
    return do_create_email_inbox(
        account=account,
        name="Gmail",
        actor=admin_user,
        from_address="support@demo-exchange.example",
        imap_enabled=True,
        imap_host="127.0.0.1",
        imap_port=1,  # nothing listens: the tests stop at the refresh
        imap_security=EmailChannel.ImapSecurity.NONE,
        imap_username="support@demo-exchange.example",
        imap_auth=EmailChannel.ImapAuth.XOAUTH2,
        imap_secret="access-0",
        oauth_token_url=token_endpoint.url,
        oauth_client_id="client-1",
        oauth_client_secret="shh",
        oauth_refresh_token="refresh-1",
    )


def test_the_access_token_is_refreshed_before_it_expires(oauth_channel, token_endpoint):
    now = timezone.now()
    # A token saved by the admin has an unknown lifetime: refreshed at the first login.
    oauth.ensure_fresh_token(oauth_channel, now=now)
    assert len(token_endpoint.requests) == 1
    stored = EmailChannel.objects.get(pk=oauth_channel.pk)
    assert stored.imap_secret == "access-1" == oauth_channel.imap_secret
    assert stored.oauth_expires_at == now + dt.timedelta(seconds=3599)
    # Fresh: no call. Within five minutes of the expiry: renewed.
    oauth.ensure_fresh_token(oauth_channel, now=now + dt.timedelta(minutes=50))
    assert len(token_endpoint.requests) == 1
    token_endpoint.rotate = True
    oauth.ensure_fresh_token(oauth_channel, now=now + dt.timedelta(minutes=56))
    assert len(token_endpoint.requests) == 2
    stored = EmailChannel.objects.get(pk=oauth_channel.pk)
    assert stored.imap_secret == "access-2"
    assert stored.oauth_refresh_token == "refresh-2"  # the provider rotated it


def test_the_oauth_secrets_are_encrypted_at_rest(oauth_channel):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT oauth_client_id, oauth_client_secret, oauth_refresh_token "
            "FROM email_channel_emailchannel WHERE id = %s",
            [oauth_channel.pk],
        )
        raw = cursor.fetchone()
    assert raw is not None
    assert all(value and value not in ("client-1", "shh", "refresh-1") for value in raw)


def test_a_refused_refresh_is_a_clear_imap_failure(oauth_channel, token_endpoint):
    token_endpoint.refuse = True
    with pytest.raises(ImapFailure) as exc:
        connect(oauth_channel)
    assert "invalid_grant" in str(exc.value)
    assert "expired or revoked" not in str(exc.value)  # the provider's free text stays out
    assert EmailChannel.objects.get(pk=oauth_channel.pk).imap_secret == "access-0"


def test_the_token_endpoint_passes_the_address_guard(oauth_channel, admin_user, settings):
    settings.EMAIL_ALLOW_PRIVATE_HOSTS = False
    with pytest.raises(ValidationFailed) as exc:
        do_update_email_inbox(
            actor=admin_user, channel=oauth_channel, oauth_token_url="http://127.0.0.1:9/token"
        )
    assert "oauth_token_url" in exc.value.fields
    with pytest.raises(ValidationFailed):
        do_update_email_inbox(
            actor=admin_user, channel=oauth_channel, oauth_token_url="https://127.0.0.1/token"
        )
    # At call time too: an endpoint saved while private hosts were allowed is not called.
    with pytest.raises(oauth.OAuthFailure):
        oauth.refresh_access_token(oauth_channel)


def test_a_password_mailbox_never_refreshes(email_channel, token_endpoint):
    email_channel.oauth_token_url = token_endpoint.url
    email_channel.oauth_refresh_token = "refresh-1"
    assert not oauth.needs_refresh(email_channel)
    oauth.ensure_fresh_token(email_channel)
    assert token_endpoint.requests == []
