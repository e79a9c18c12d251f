"""Every channel in one history: the inbox list shows each conversation's channel and
filters by it (console and REST API), the contact panel and the customer's own case list
show the conversations of every channel, each with its channel."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blockdesk.accounts.models import ApiToken
from blockdesk.accounts.services import do_create_api_token
from blockdesk.conversations.models import Contact
from tests.api.conftest import ApiClient
from tests.identity.conftest import login, open_case
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_channels(account, channel, email_channel, contact):
    chat = open_case(channel.inbox, contact, "chat question")
    mail = open_case(email_channel.inbox, contact, "mail question")
    return chat, mail


def test_the_console_list_shows_and_filters_by_channel(agent, two_channels):
    chat, mail = two_channels
    client = login(agent)
    page = client.get("/app/", {"status": "any"}).content.decode()
    assert 'data-channel="email">Email<' in page
    assert 'data-channel="web_widget">Website chat<' in page
    assert 'id="f-channel"' in page and '<option value="email"' in page
    only_mail = client.get("/app/", {"status": "any", "channel": "email"}).content.decode()
    assert f'data-conversation-id="{mail.pk}"' in only_mail
    assert f'data-conversation-id="{chat.pk}"' not in only_mail
    rows = client.get("/app/list.json", {"status": "any", "channel": "web_widget"}).json()["rows"]
    assert [(r["id"], r["channel"], r["channel_label"]) for r in rows] == [
        (chat.pk, "web_widget", "Website chat")
    ]
    # An unknown channel in a bookmark falls back to every channel.
    every = client.get("/app/list.json", {"status": "any", "channel": "fax"}).json()["rows"]
    assert {r["id"] for r in every} == {chat.pk, mail.pk}


def test_the_list_with_its_channel_costs_the_same_queries_for_more_rows(
    account, agent, channel, email_channel
):
    """The channel comes with the inbox the list already joins: no query per row."""
    client = login(agent)

    def count() -> int:
        client.get("/app/list.json", {"status": "any"})  # warm caches
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/app/list.json", {"status": "any"})
        assert response.status_code == 200
        return len(captured.captured_queries)

    for i in range(2):
        open_case(channel.inbox, Contact.objects.create(account=account, name=f"w{i}"))
        open_case(email_channel.inbox, Contact.objects.create(account=account, name=f"m{i}"))
    few = count()
    for i in range(8):
        open_case(channel.inbox, Contact.objects.create(account=account, name=f"W{i}"))
        open_case(email_channel.inbox, Contact.objects.create(account=account, name=f"M{i}"))
    many = count()
    assert many == few
    assert few <= 12  # session, user, the page of rows, its tags, the unread counts


def test_the_rest_api_filters_by_channel(admin_user, two_channels):
    chat, mail = two_channels
    _token, plain = do_create_api_token(
        actor=admin_user, name="Integration", scopes=list(ApiToken.Scope.values)
    )
    api = ApiClient(plain)
    everything = api.get("/api/v1/conversations").json()["items"]
    assert {(c["id"], c["channel"]) for c in everything} == {
        (chat.pk, "web_widget"),
        (mail.pk, "email"),
    }
    only_mail = api.get("/api/v1/conversations", {"channel": "email"}).json()["items"]
    assert [c["id"] for c in only_mail] == [mail.pk]
    assert api.get(f"/api/v1/conversations/{mail.pk}").json()["channel"] == "email"
    refused = api.get("/api/v1/conversations", {"channel": "fax"})
    assert refused.status_code == 422
    assert "channel" in refused.json()["error"]["fields"]


def test_the_contact_panel_shows_every_channel(agent, two_channels):
    chat, mail = two_channels
    page = login(agent).get(f"/app/c/{chat.display_id}/").content.decode()
    panel = page[page.index('id="contact-pane"') :]
    assert f"#{mail.display_id}" in panel
    assert 'class="conv-channel" data-channel="email">Email<' in panel


def test_the_customers_case_list_shows_every_channel(account, channel, email_channel):
    visitor = Visitor(channel).start()
    sent = visitor.send("from the widget").json()
    contact = Contact.objects.get(identities__kind="web_visitor")
    mail = open_case(email_channel.inbox, contact, "from email")
    listing = visitor.get("conversations").json()["conversations"]
    by_id = {c["id"]: c for c in listing}
    here = by_id[sent["conversation"]["id"]]
    assert (here["channel"], here["channel_label"], here["here"]) == (
        "web_widget",
        "Website chat",
        True,
    )
    elsewhere = by_id[mail.pk]
    assert (elsewhere["channel"], elsewhere["channel_label"], elsewhere["here"]) == (
        "email",
        "Email",
        False,
    )
    assert elsewhere["preview"] == "from email"
    assert "last_message_id" not in elsewhere  # the widget counts unread on its own cases
    # Listed, but continued on its channel: the widget does not open it.
    assert visitor.get(f"conversations/{mail.pk}").status_code == 404


def test_another_websites_widget_cases_stay_on_that_site(account, agent, channel):
    from blockdesk.connectors.services import do_create_web_widget_inbox

    other_site = do_create_web_widget_inbox(account=account, name="Other site", members=[agent])
    visitor = Visitor(channel).start()
    visitor.send("on the first site")
    contact = Contact.objects.get(identities__kind="web_visitor")
    elsewhere = open_case(other_site.inbox, contact, "on the other site")
    listed = {c["id"] for c in visitor.get("conversations").json()["conversations"]}
    assert elsewhere.pk not in listed and len(listed) == 1
