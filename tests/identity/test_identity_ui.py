"""The screens of "one customer across channels" (docs/identity.md, docs/widget.md): the
widget's "Continue on Telegram" button, the customer's cases on other channels opened
read-only in the widget, the console's split checkboxes, and unlinking an identity
linked by mistake (a split that moves no conversation)."""

from __future__ import annotations

import json
import re

import pytest

from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.selectors import widget_continue_options
from blockdesk.connectors.telegram.models import TelegramChannel
from blockdesk.conversations import contact_services, services
from blockdesk.conversations.contact_services import IdentitySpec
from blockdesk.conversations.models import (
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    Inbox,
)
from blockdesk.events.models import Event
from tests.identity.conftest import login, open_case
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db


def _telegram_inbox(account, username: str) -> TelegramChannel:
    # The bot's username is what getMe answered when the token was checked on save
    # (tests/connectors/telegram cover that against the Bot API stand-in).
    inbox = Inbox.objects.create(account=account, name="Telegram", channel_kind="telegram")
    return TelegramChannel.objects.create(inbox=inbox, bot_token="1:x", bot_username=username)


def _frame_config(client, channel) -> dict:
    page = client.get(f"/widget/frame/{channel.public_token}/?lang=en").content.decode()
    found = re.search(r'<script id="bdw-config" type="application/json">(.*?)</script>', page)
    assert found, page[:500]
    return json.loads(found.group(1))


# --- the widget's "Continue on Telegram" ---------------------------------------------------


def test_the_widget_offers_telegram_when_a_bot_has_a_username(account, channel, client):
    assert _frame_config(client, channel)["continue_on"] == []
    _telegram_inbox(account, "acme_support_bot")
    config = _frame_config(client, channel)
    assert config["continue_on"] == [
        {
            "kind": "telegram",
            "label": "Telegram",
            "href": "https://t.me/acme_support_bot?start={token}",
            "command": "",
            # The per-case deep link's endpoint ("Continue this case on Telegram").
            "case_endpoint": f"/telegram/widget/{channel.public_token}/link",
        }
    ]
    assert config["link_minutes"] == 15
    page = client.get(f"/widget/frame/{channel.public_token}/?lang=en").content.decode()
    assert 'src="/static/widget/frame.js"' in page or "widget/frame." in page
    assert 'id="bdw-continue"' in page and "hidden" in page.split('id="bdw-continue"')[1][:80]


def test_no_button_without_a_usable_username_or_for_another_account(
    account, other_account, channel
):
    _telegram_inbox(account, "")  # getMe never answered: no link to build
    _telegram_inbox(other_account, "other_team_bot")
    assert widget_continue_options(account_id=account.pk) == []
    _telegram_inbox(account, "bad/name?x=1")  # never put into a URL
    assert widget_continue_options(account_id=account.pk) == []


def test_the_widget_strings_for_the_button_are_translated(account, channel, client):
    _telegram_inbox(account, "acme_support_bot")
    page = client.get(f"/widget/frame/{channel.public_token}/?lang=zh-hans").content.decode()
    found = re.search(r'<script id="bdw-strings" type="application/json">(.*?)</script>', page)
    assert found
    strings = json.loads(found.group(1))
    assert "%(channel)s" in strings["continue_on"]


# --- the customer's cases on other channels, read-only in the widget ----------------------


def test_the_customer_opens_their_email_case_read_only(account, agent, channel, email_channel):
    visitor = Visitor(channel).start()
    visitor.send("from the widget")
    contact = Contact.objects.get(identities__kind="web_visitor")
    mail = open_case(email_channel.inbox, contact, "my deposit, by email")
    services.do_send_agent_message(
        conversation=mail, agent=agent, content="internal: check the hot wallet", private=True
    )
    services.do_send_agent_message(conversation=mail, agent=agent, content="We are on it.")
    answer = visitor.get(f"conversations/{mail.pk}/elsewhere")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["read_only"] is True
    assert (body["conversation"]["channel"], body["conversation"]["here"]) == ("email", False)
    contents = [m["content"] for m in body["messages"]]
    assert contents == ["my deposit, by email", "We are on it."]  # never the internal note
    assert body["messages"][1]["verified"] is True
    # Paged like the widget's own messages.
    after = visitor.get(f"conversations/{mail.pk}/elsewhere", after_id=body["messages"][0]["id"])
    assert [m["content"] for m in after.json()["messages"]] == ["We are on it."]
    # Read-only: the widget cannot write into it (it is answered by email).
    refused = visitor.send("sent from the widget", conversation_id=mail.pk)
    assert refused.status_code == 404
    assert not mail.messages.filter(content="sent from the widget").exists()


def test_another_visitors_case_or_this_widgets_own_is_404(account, channel, email_channel):
    owner = Visitor(channel).start()
    owner.send("hello")
    owner_contact = Contact.objects.get(identities__kind="web_visitor")
    mail = open_case(email_channel.inbox, owner_contact, "private by email")
    stranger = Visitor(channel, ip="198.51.100.9").start()
    answer = stranger.get(f"conversations/{mail.pk}/elsewhere")
    assert answer.status_code == 404
    assert "private by email" not in answer.content.decode()
    # A case of another customer of the account, never the visitor's.
    other = open_case(email_channel.inbox, Contact.objects.create(account=account), "x")
    assert owner.get(f"conversations/{other.pk}/elsewhere").status_code == 404
    # This widget's own case opens the usual way, not through this view.
    own = owner.get("conversations").json()["conversations"]
    here = next(c for c in own if c["here"])
    assert owner.get(f"conversations/{here['id']}/elsewhere").status_code == 404
    # Without the visitor token: 401.
    anonymous = Visitor(channel)
    assert anonymous.get(f"conversations/{mail.pk}/elsewhere").status_code == 401


# --- the console: split checkboxes and unlink ---------------------------------------------


def _contact(account, **kwargs) -> Contact:
    specs = [IdentitySpec(kind=k, value=v) for k, v in kwargs.pop("identities", [])]
    return contact_services.do_create_contact(account_id=account.pk, identities=specs, **kwargs)


def _split_form(page: str, identity_id: int) -> str:
    start = page.index(f'data-split-choose="{identity_id}"')
    return page[start : page.index("</details>", start)]


def test_the_split_form_has_checkboxes_ticked_by_channel(account, agent, channel, email_channel):
    carol = _contact(
        account,
        identities=[("email", "a@example.com"), ("email", "b@example.com"), ("telegram", "c1")],
    )
    chat = open_case(channel.inbox, carol)
    first = open_case(email_channel.inbox, carol)
    second = open_case(email_channel.inbox, carol)
    client = login(agent)
    page = client.get(f"/app/c/{chat.display_id}/").content.decode()
    b = ContactIdentity.objects.get(value="b@example.com")
    form = _split_form(page, b.pk)
    assert 'name="choose" value="1"' in form
    boxes = re.findall(
        r'<input type="checkbox" name="conversations" value="(\d+)"( checked)?>', form
    )
    # Every case of the profile, none ticked: which came through which address is unknown.
    assert {int(v) for v, _ in boxes} == {chat.pk, first.pk, second.pk}
    assert all(not ticked for _, ticked in boxes)
    assert "<details" in page and f'data-split-choose="{b.pk}" open' in page
    # The agent ticks the second case and splits: only it moves.
    response = client.post(
        f"/app/contacts/identities/{b.pk}/split/",
        {"choose": "1", "conversations": [str(second.pk)], "back": chat.display_id},
    )
    assert response.status_code == 302
    new = ContactIdentity.objects.get(pk=b.pk).contact
    assert new.pk != carol.pk
    assert Conversation.objects.get(pk=second.pk).contact_id == new.pk
    assert set(Conversation.objects.filter(contact=carol)) == {chat, first}


def test_a_lone_identity_of_its_kind_has_its_channel_ticked(account, agent, channel, email_channel):
    carol = _contact(account, identities=[("email", "c@example.com"), ("discord", "9001")])
    chat = open_case(channel.inbox, carol)
    mail = open_case(email_channel.inbox, carol)
    page = login(agent).get(f"/app/c/{chat.display_id}/").content.decode()
    email = ContactIdentity.objects.get(kind="email")
    form = _split_form(page, email.pk)
    assert f'value="{mail.pk}" checked' in form
    assert f'value="{chat.pk}" checked' not in form and f'value="{chat.pk}"' in form


def test_unlink_is_a_split_that_moves_no_conversation(account, agent, channel):
    # A Telegram account linked to Carol by mistake (say, she opened a link meant for
    # someone else): the agent unlinks it; Carol keeps her history.
    carol = _contact(account, identities=[("discord", "9002"), ("telegram", "424242")])
    chat = open_case(channel.inbox, carol, "my widget question")
    wrong = ContactIdentity.objects.get(kind="telegram")
    client = login(agent)
    response = client.post(
        f"/app/contacts/identities/{wrong.pk}/split/",
        {"choose": "1", "back": chat.display_id},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    wrong.refresh_from_db()
    assert wrong.contact_id != carol.pk
    assert Conversation.objects.get(pk=chat.pk).contact_id == carol.pk
    event = Event.objects.get(name="contact.split")
    assert event.payload["conversation_ids"] == []
    assert event.payload["identity_id"] == wrong.pk
    assert (event.actor_kind, event.actor_id) == ("agent", agent.pk)
    # The timeline line goes on the case the agent acted from, though it did not move.
    line = ConversationEvent.objects.get(conversation=chat, kind="contact_split")
    assert line.actor_id == agent.pk and not line.is_public
    # And the audit log names it.
    admin = do_create_agent(
        account=account, username="root3", email="r3@example.com", password="x" * 16, role="admin"
    )
    audit = login(admin).get("/app/settings/audit/")
    assert "Customer profile split" in audit.content.decode()
    # A Telegram message from that user now lands on the split-off profile, not Carol's.
    assert ContactIdentity.objects.get(kind="telegram", value="424242").contact_id != carol.pk


def test_an_outsider_cannot_split_or_unlink(account, agent, outsider, channel):
    carol = _contact(account, identities=[("discord", "9003"), ("telegram", "55")])
    open_case(channel.inbox, carol)
    wrong = ContactIdentity.objects.get(kind="telegram")
    answer = login(outsider).post(f"/app/contacts/identities/{wrong.pk}/split/", {"choose": "1"})
    assert answer.status_code == 404
    assert ContactIdentity.objects.get(pk=wrong.pk).contact_id == carol.pk
