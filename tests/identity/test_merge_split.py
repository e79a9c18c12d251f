"""The console suggests merges on conservative rules, and an agent merges or splits a
customer profile in one click; each move is recorded (event, timeline, audit) and only
agents who see every conversation of the profile may do it (docs/identity.md)."""

from __future__ import annotations

import pytest

from blockdesk.accounts.services import do_create_agent
from blockdesk.conversations import contact_selectors, contact_services
from blockdesk.conversations.contact_services import IdentitySpec
from blockdesk.conversations.models import (
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    Message,
)
from blockdesk.events.models import Event
from tests.identity.conftest import login, open_case

pytestmark = pytest.mark.django_db


def _contact(account, **kwargs) -> Contact:
    specs = [IdentitySpec(kind=k, value=v) for k, v in kwargs.pop("identities", [])]
    return contact_services.do_create_contact(account_id=account.pk, identities=specs, **kwargs)


def _reasons(agent, contact) -> dict[int, tuple[str, ...]]:
    return {
        s.contact.pk: s.reasons
        for s in contact_selectors.merge_suggestions(user=agent, contact=contact)
    }


# --- suggestions -------------------------------------------------------------------------


def test_the_same_email_is_suggested(account, agent, channel, email_channel):
    widget = _contact(account, name="Carol", email="Carol@Example.com")
    mail = _contact(account, identities=[("email", "carol@example.com")])
    open_case(channel.inbox, widget)
    open_case(email_channel.inbox, mail)
    assert _reasons(agent, widget) == {mail.pk: ("email",)}
    assert _reasons(agent, mail) == {widget.pk: ("email",)}


def test_the_same_wallet_in_another_letter_case_is_suggested(account, agent, channel):
    address = "0x52908400098527886E0F7030069857D2E4169EE7"
    signed = _contact(account, identities=[("wallet", address)])
    imported = _contact(account, identities=[("wallet", address.lower())])
    open_case(channel.inbox, signed)
    open_case(channel.inbox, imported)
    assert _reasons(agent, signed) == {imported.pk: ("wallet",)}


def test_the_same_name_needs_a_shared_username(account, agent, channel, email_channel):
    carol = _contact(account, name="Carol  Chen", identities=[("telegram", "carolc")])
    twin = _contact(account, name="carol chen", email="CarolC+support@mail.example")
    namesake = _contact(account, name="Carol Chen", identities=[("telegram", "ccarol")])
    numeric = _contact(account, name="Carol Chen", identities=[("discord", "1234567")])
    numeric_too = _contact(account, name="Carol Chen", attributes={"username": "1234567"})
    for c in (carol, twin, namesake, numeric, numeric_too):
        open_case(channel.inbox, c)
    # "carolc" is both a Telegram handle and an email's local part: suggested. The same
    # name alone, or a shared bare number, is no evidence.
    assert _reasons(agent, carol) == {twin.pk: ("name_and_handle",)}
    assert numeric.pk not in _reasons(agent, numeric_too)


def test_profiles_merged_away_or_out_of_sight_are_not_suggested(
    account, agent, outsider, channel, email_channel, admin_user
):
    widget = _contact(account, email="erin@example.com")
    hidden = _contact(account, identities=[("email", "erin@example.com")])
    open_case(channel.inbox, widget)
    open_case(email_channel.inbox, hidden)
    email_channel.inbox.members.remove(agent)
    assert _reasons(agent, widget) == {}
    assert _reasons(admin_user, widget) == {hidden.pk: ("email",)}
    hidden.attributes = {"merged_into_contact_id": widget.pk}
    hidden.save()
    assert _reasons(admin_user, widget) == {}


# --- merge -------------------------------------------------------------------------------


def test_an_agent_merges_in_one_click_and_the_move_is_recorded(
    account, agent, channel, email_channel
):
    kept = _contact(account, name="Carol", identities=[("telegram", "carolc")])
    other = _contact(
        account,
        email="carol@example.com",
        notes="VIP",
        identities=[("email", "carol@example.com")],
    )
    kept_case = open_case(channel.inbox, kept)
    moved_case = open_case(email_channel.inbox, other, "my deposit")
    client = login(agent)
    response = client.post(
        f"/app/contacts/{kept.pk}/merge/",
        {"source": other.pk, "back": kept_case.display_id},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["conversation_ids"] == [moved_case.pk]
    assert Conversation.objects.get(pk=moved_case.pk).contact_id == kept.pk
    assert ContactIdentity.objects.get(kind="email").contact_id == kept.pk
    assert Message.objects.get(content="my deposit").sender_contact_id == kept.pk
    kept.refresh_from_db()
    other.refresh_from_db()
    assert kept.email == "carol@example.com" and "VIP" in kept.notes
    assert other.attributes["merged_into_contact_id"] == kept.pk
    event = Event.objects.filter(name="contact.merged").latest("id")
    assert event.payload["via"] == "agent"
    assert (event.actor_kind, event.actor_id) == ("agent", agent.pk)
    assert event.payload["identity_ids"] == [ContactIdentity.objects.get(kind="email").pk]
    line = ConversationEvent.objects.get(conversation=moved_case, kind="contact_merged")
    assert line.actor_id == agent.pk and not line.is_public
    page = client.get(f"/app/c/{moved_case.display_id}/")
    assert "merged customer" in page.content.decode()
    # The audit log names it.
    admin = do_create_agent(
        account=account, username="root2", email="r2@example.com", password="x" * 16, role="admin"
    )
    audit = login(admin).get("/app/settings/audit/")
    assert audit.status_code == 200
    assert "Customer profiles merged" in audit.content.decode()


def test_a_merge_from_the_console_form_redirects_back(account, agent, channel):
    kept = _contact(account, email="f@example.com")
    other = _contact(account, identities=[("email", "f@example.com")])
    case = open_case(channel.inbox, kept)
    open_case(channel.inbox, other)
    page = login(agent).get(f"/app/c/{case.display_id}/")
    body = page.content.decode()
    assert f'data-merge-suggestion="{other.pk}"' in body
    response = login(agent).post(
        f"/app/contacts/{kept.pk}/merge/", {"source": other.pk, "back": case.display_id}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/c/{case.display_id}/")
    assert not Conversation.objects.filter(contact=other).exists()


def test_an_agent_without_access_gets_404(account, agent, outsider, channel, email_channel):
    kept = _contact(account, email="g@example.com")
    other = _contact(account, identities=[("email", "g@example.com")])
    open_case(channel.inbox, kept)
    open_case(email_channel.inbox, other)
    # The outsider sees neither inbox; the agent only one when the email inbox is closed.
    for user in (outsider,):
        response = login(user).post(f"/app/contacts/{kept.pk}/merge/", {"source": other.pk})
        assert response.status_code == 404
    email_channel.inbox.members.remove(agent)
    response = login(agent).post(f"/app/contacts/{kept.pk}/merge/", {"source": other.pk})
    assert response.status_code == 404
    identity = ContactIdentity.objects.get(kind="email")
    response = login(agent).post(f"/app/contacts/identities/{identity.pk}/split/", {})
    assert response.status_code == 404
    assert Conversation.objects.filter(contact=other).count() == 1
    assert not Event.objects.filter(name__in=["contact.merged", "contact.split"]).exists()


def test_profiles_of_another_account_never_meet(account, other_account, admin_user, channel):
    mine = _contact(account, email="h@example.com")
    theirs = _contact(other_account, email="h@example.com")
    open_case(channel.inbox, mine)
    client = login(admin_user)
    assert client.post(f"/app/contacts/{mine.pk}/merge/", {"source": theirs.pk}).status_code == 404
    assert client.post(f"/app/contacts/{theirs.pk}/merge/", {"source": mine.pk}).status_code == 404
    theirs.refresh_from_db()
    assert "merged_into_contact_id" not in theirs.attributes


def test_a_profile_cannot_be_merged_into_itself_or_twice(account, admin_user, channel):
    a = _contact(account)
    b = _contact(account)
    open_case(channel.inbox, a)
    open_case(channel.inbox, b)
    client = login(admin_user)
    same = client.post(
        f"/app/contacts/{a.pk}/merge/", {"source": a.pk}, HTTP_ACCEPT="application/json"
    )
    assert same.status_code == 422
    assert client.post(f"/app/contacts/{a.pk}/merge/", {"source": b.pk}).status_code == 302
    again = client.post(
        f"/app/contacts/{a.pk}/merge/", {"source": b.pk}, HTTP_ACCEPT="application/json"
    )
    assert again.status_code == 422


# --- split -------------------------------------------------------------------------------


def test_a_split_moves_the_identity_and_the_cases_that_came_through_it(
    account, agent, channel, email_channel
):
    carol = _contact(
        account,
        email="carol@example.com",
        identities=[("email", "carol@example.com"), ("telegram", "carolc")],
    )
    chat = open_case(channel.inbox, carol, "widget question")
    mail = open_case(email_channel.inbox, carol, "mail question")
    identity = ContactIdentity.objects.get(kind="email")
    response = login(agent).post(
        f"/app/contacts/identities/{identity.pk}/split/",
        {"back": chat.display_id},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200, response.content
    new = Contact.objects.get(pk=response.json()["contact_id"])
    assert new.email == "carol@example.com"
    assert ContactIdentity.objects.get(pk=identity.pk).contact_id == new.pk
    assert Conversation.objects.get(pk=mail.pk).contact_id == new.pk
    assert Conversation.objects.get(pk=chat.pk).contact_id == carol.pk
    assert Message.objects.get(content="mail question").sender_contact_id == new.pk
    carol.refresh_from_db()
    assert carol.email == ""
    event = Event.objects.get(name="contact.split")
    assert event.payload == {
        "source_contact_id": carol.pk,
        "new_contact_id": new.pk,
        "identity_id": identity.pk,
        "kind": "email",
        "conversation_ids": [mail.pk],
    }
    assert (event.actor_kind, event.actor_id) == ("agent", agent.pk)
    assert ConversationEvent.objects.filter(conversation=mail, kind="contact_split").exists()
    assert not ConversationEvent.objects.filter(conversation=chat, kind="contact_split").exists()


def test_with_two_identities_of_a_kind_the_agent_chooses(account, agent, admin_user, email_channel):
    carol = _contact(account, identities=[("email", "a@example.com"), ("email", "b@example.com")])
    first = open_case(email_channel.inbox, carol)
    second = open_case(email_channel.inbox, carol)
    identity = ContactIdentity.objects.get(value="b@example.com")
    client = login(agent)
    client.post(f"/app/contacts/identities/{identity.pk}/split/", {})
    new = ContactIdentity.objects.get(pk=identity.pk).contact
    assert new.pk != carol.pk
    # Which case came through which address is unknown: none moved by itself.
    assert set(Conversation.objects.filter(contact=carol)) == {first, second}
    # The new profile has no case yet: an agent cannot see it, an administrator merges it
    # back; then a split with a choice.
    assert client.post(f"/app/contacts/{carol.pk}/merge/", {"source": new.pk}).status_code == 404
    login(admin_user).post(f"/app/contacts/{carol.pk}/merge/", {"source": new.pk})
    assert ContactIdentity.objects.get(pk=identity.pk).contact_id == carol.pk
    client.post(
        f"/app/contacts/identities/{identity.pk}/split/",
        {"choose": "1", "conversations": [str(second.pk)]},
    )
    assert Conversation.objects.get(pk=second.pk).contact_id != carol.pk
    assert Conversation.objects.get(pk=first.pk).contact_id == carol.pk


def test_a_split_refuses_the_only_identity_and_foreign_cases(account, agent, channel):
    lone = _contact(account, identities=[("telegram", "solo")])
    open_case(channel.inbox, lone)
    identity = ContactIdentity.objects.get(value="solo")
    client = login(agent)
    only = client.post(
        f"/app/contacts/identities/{identity.pk}/split/", {}, HTTP_ACCEPT="application/json"
    )
    assert only.status_code == 422
    two = _contact(account, identities=[("telegram", "t2"), ("email", "t2@example.com")])
    open_case(channel.inbox, two)
    foreign = open_case(channel.inbox, _contact(account))
    identity = ContactIdentity.objects.get(value="t2")
    answer = client.post(
        f"/app/contacts/identities/{identity.pk}/split/",
        {"choose": "1", "conversations": [str(foreign.pk)]},
        HTTP_ACCEPT="application/json",
    )
    assert answer.status_code == 422
    assert ContactIdentity.objects.get(value="t2").contact_id == two.pk


def test_a_profile_with_a_case_out_of_sight_is_not_suggested(
    account, agent, channel, email_channel, admin_user
):
    """The agent sees one of the other profile's cases but not the other: a merge would
    move a case they cannot open, so it is neither suggested nor allowed."""
    mine = _contact(account, email="k@example.com")
    other = _contact(account, identities=[("email", "k@example.com")])
    open_case(channel.inbox, mine)
    open_case(channel.inbox, other)
    open_case(email_channel.inbox, other)
    email_channel.inbox.members.remove(agent)
    assert _reasons(agent, mine) == {}
    assert _reasons(admin_user, mine) == {other.pk: ("email",)}
    response = login(agent).post(f"/app/contacts/{mine.pk}/merge/", {"source": other.pk})
    assert response.status_code == 404
