"""Identities linked automatically only on proof: link tokens from a signed-in widget,
redeemed by a channel (docs/identity.md), and do_link_proven_identity."""

from __future__ import annotations

import time

import pytest

from blockdesk.common.errors import Conflict, ValidationFailed
from blockdesk.conversations import contact_services, identity_links
from blockdesk.conversations.models import Contact, ContactIdentity, Conversation
from blockdesk.events.models import Event
from tests.identity.conftest import open_case

pytestmark = pytest.mark.django_db


def _linked_events() -> list[Event]:
    return list(Event.objects.filter(name="contact.identity_linked").order_by("id"))


def test_a_token_fits_a_telegram_start_parameter(contact):
    token = identity_links.issue_link_token(contact=contact, kind="telegram")
    assert len(token) <= 64
    assert all(ch.isalnum() or ch in "-_" for ch in token)


def test_redeeming_a_token_links_the_channel_identity_to_the_widget_contact(contact):
    token = identity_links.issue_link_token(contact=contact, kind="telegram")
    link = identity_links.do_redeem_link_token(
        account_id=contact.account_id, kind="telegram", value="777000", token=token
    )
    assert link.created and link.identity.contact_id == contact.pk
    assert ContactIdentity.objects.get(kind="telegram", value="777000").contact_id == contact.pk
    event = _linked_events()[-1]
    assert event.payload["proof"] == "widget_link"
    assert event.payload["contact_id"] == contact.pk


def test_a_token_works_once(contact):
    token = identity_links.issue_link_token(contact=contact, kind="telegram")
    identity_links.do_redeem_link_token(
        account_id=contact.account_id, kind="telegram", value="1", token=token
    )
    with pytest.raises(ValidationFailed) as exc:
        identity_links.do_redeem_link_token(
            account_id=contact.account_id, kind="telegram", value="2", token=token
        )
    assert "token" in exc.value.fields
    assert not ContactIdentity.objects.filter(kind="telegram", value="2").exists()


def test_an_expired_token_is_refused(contact, settings):
    settings.IDENTITY_LINK_TOKEN_SECONDS = 60
    issued = time.time()
    token = identity_links.issue_link_token(contact=contact, kind="telegram", now=issued)
    identity_links.read_link_token(
        account_id=contact.account_id, kind="telegram", token=token, now=issued + 59
    )
    with pytest.raises(ValidationFailed):
        identity_links.do_redeem_link_token(
            account_id=contact.account_id,
            kind="telegram",
            value="5",
            token=token,
            now=issued + 61,
        )


def test_a_token_is_bound_to_its_kind_and_account(contact, other_account):
    token = identity_links.issue_link_token(contact=contact, kind="telegram")
    for account_id, kind in ((contact.account_id, "discord"), (other_account.pk, "telegram")):
        with pytest.raises(ValidationFailed):
            identity_links.do_redeem_link_token(
                account_id=account_id, kind=kind, value="9", token=token
            )
    assert not ContactIdentity.objects.filter(value="9").exists()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),
        lambda t: "x" * 10,
        lambda t: t + "!!",
        lambda t: "",
    ],
)
def test_a_tampered_token_is_refused(contact, mangle):
    token = identity_links.issue_link_token(contact=contact, kind="telegram")
    with pytest.raises(ValidationFailed):
        identity_links.read_link_token(
            account_id=contact.account_id, kind="telegram", token=mangle(token)
        )


def test_a_visitor_token_kind_cannot_be_linked(contact):
    with pytest.raises(ValidationFailed):
        identity_links.issue_link_token(contact=contact, kind="web_visitor")


def test_a_profile_the_channel_made_for_the_sender_is_merged_on_proof(account, channel, contact):
    """The sender wrote on Telegram before (a profile with only that identity); the proof
    brings that profile's conversations to the widget's contact."""
    telegram_only = contact_services.do_create_contact(
        account_id=account.pk,
        identities=[contact_services.IdentitySpec(kind="telegram", value="42")],
        source="channel",
    )
    link = contact_services.do_link_proven_identity(
        contact=contact, kind="telegram", value="42", proof="email_reply"
    )
    assert link.previous_contact_id == telegram_only.pk
    assert ContactIdentity.objects.get(kind="telegram", value="42").contact_id == contact.pk
    merged = Event.objects.filter(name="contact.merged").latest("id")
    assert merged.payload["via"] == "proven_link"
    assert merged.payload["source_contact_id"] == telegram_only.pk


def test_a_widget_link_never_pulls_another_profiles_history(account, channel, contact):
    """A token may have been handed to a stranger: an identity whose profile has cases
    stays where it is; an agent merges from the suggestion instead."""
    owner = contact_services.do_create_contact(
        account_id=account.pk,
        name="Dave",
        identities=[contact_services.IdentitySpec(kind="telegram", value="43")],
    )
    case = open_case(channel.inbox, owner)
    token = identity_links.issue_link_token(contact=contact, kind="telegram")
    with pytest.raises(Conflict):
        identity_links.do_redeem_link_token(
            account_id=account.pk, kind="telegram", value="43", token=token
        )
    assert ContactIdentity.objects.get(kind="telegram", value="43").contact_id == owner.pk
    assert Conversation.objects.get(pk=case.pk).contact_id == owner.pk


def test_a_strong_proof_moves_only_the_identity_of_a_profile_with_others(account, contact):
    owner = contact_services.do_create_contact(
        account_id=account.pk,
        identities=[
            contact_services.IdentitySpec(kind="telegram", value="44"),
            contact_services.IdentitySpec(kind="email", value="dave@example.com"),
        ],
    )
    link = contact_services.do_link_proven_identity(
        contact=contact, kind="telegram", value="44", proof="wallet_signature"
    )
    assert link.previous_contact_id == owner.pk and not link.merged_conversation_ids
    assert ContactIdentity.objects.get(value="dave@example.com").contact_id == owner.pk
    assert ContactIdentity.objects.get(kind="telegram", value="44").contact_id == contact.pk
    assert Event.objects.filter(name="contact.merged").count() == 0
    assert _linked_events()[-1].payload["previous_contact_id"] == owner.pk


def test_linking_an_identity_the_contact_has_changes_nothing(contact):
    first = contact_services.do_link_proven_identity(
        contact=contact, kind="email", value="Carol@Example.com", proof="email_reply"
    )
    again = contact_services.do_link_proven_identity(
        contact=contact, kind="email", value="carol@example.com", proof="email_reply"
    )
    assert first.created and not again.created
    assert again.identity.pk == first.identity.pk


def test_the_widget_issues_a_link_token_for_its_visitor(channel, client):
    start = client.post(
        f"/widget/api/{channel.public_token}/session", {}, content_type="application/json"
    )
    assert start.status_code == 201
    visitor_token = start.json()["visitor_token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {visitor_token}"}
    answer = client.post(
        f"/widget/api/{channel.public_token}/identity-link",
        {"kind": "telegram"},
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["expires_in"] == identity_links.link_token_seconds()
    contact = Contact.objects.get(identities__kind="web_visitor")
    link = identity_links.do_redeem_link_token(
        account_id=channel.inbox.account_id, kind="telegram", value="1001", token=body["token"]
    )
    assert link.identity.contact_id == contact.pk
    refused = client.post(
        f"/widget/api/{channel.public_token}/identity-link",
        {"kind": "web_visitor"},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 422
    anonymous = client.post(
        f"/widget/api/{channel.public_token}/identity-link",
        {"kind": "telegram"},
        content_type="application/json",
    )
    assert anonymous.status_code == 401
