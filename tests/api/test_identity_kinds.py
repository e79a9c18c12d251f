"""Every identity kind a channel records can be set and searched through the API, except
the widget visitor's hashed token: an X contact is found by its X user id like a Telegram one."""

from __future__ import annotations

import typing

import pytest

from blockdesk.api.schemas import IdentityKind
from blockdesk.conversations.models import Contact, ContactIdentity
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

V1 = "/api/v1"


def test_the_api_accepts_every_identity_kind_but_the_visitor_token():
    # A kind added to the model without the API is the gap this file was written for.
    api_kinds = set(typing.get_args(IdentityKind))
    assert api_kinds == set(ContactIdentity.Kind.values) - {ContactIdentity.Kind.WEB_VISITOR}


def test_x_identities_are_set_shown_and_filtered(api, account):
    created = api.post(
        f"{V1}/contacts",
        {"name": "Xavier", "identities": [{"kind": "x", "value": "1234567890"}]},
    )
    assert created.status_code == 201, created.content
    assert created.json()["identities"] == [{"kind": "x", "value": "1234567890"}]
    cid = created.json()["id"]

    # A contact the X channel made itself (by the author's user id) is found the same way.
    from_x = Contact.objects.create(account=account, name="From X")
    ContactIdentity.objects.create(account=account, contact=from_x, kind="x", value="42")
    found = api.get(f"{V1}/contacts", {"identity_kind": "x", "identity_value": "42"})
    assert found.status_code == 200, found.content
    assert [c["id"] for c in found.json()["items"]] == [from_x.pk]
    # The kind is part of the filter: the same value under another kind is nobody.
    other = api.get(f"{V1}/contacts", {"identity_kind": "telegram", "identity_value": "42"})
    assert other.json()["items"] == []

    added = api.post(f"{V1}/contacts/{cid}/identities", {"kind": "x", "value": "777"})
    assert added.status_code == 201, added.content
    assert_error(
        api.post(f"{V1}/contacts/{cid}/identities", {"kind": "x", "value": "42"}),
        409,
        "identity_taken",
    )
    kinds = {(i.kind, i.value) for i in ContactIdentity.objects.filter(contact_id=cid)}
    assert kinds == {("x", "1234567890"), ("x", "777")}


def test_an_unknown_kind_is_still_refused(api):
    error = assert_error(
        api.get(f"{V1}/contacts", {"identity_kind": "myspace", "identity_value": "1"}),
        422,
        "validation_error",
    )
    assert "identity_kind" in error["fields"]
