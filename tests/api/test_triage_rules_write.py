"""REST: creating, changing and deleting triage rules with the `triage:write` scope,
validation errors in the one error shape, the caller's account only, and every change an
audit row (an event) in the transaction of the change — from the API and from Settings."""

from __future__ import annotations

import re
from unittest import mock

import pytest
from django.test import Client

from blockdesk.accounts.models import User
from blockdesk.accounts.services import do_create_agent, do_create_api_token
from blockdesk.events.models import Event
from blockdesk.triage import services
from blockdesk.triage.models import TriageRule
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Whales",
    "position": 2,
    "conditions": {"amount_gte": "50000", "mood": ["angry"]},
    "actions": {"priority": "urgent", "tags": ["whale"]},
}


@pytest.fixture
def writer(make_token, api_for):
    token, plain = make_token(scopes=["triage:write", "conversations:read"])
    return token, api_for(plain)


def test_create_change_and_delete_a_rule_with_audit_rows(writer, account):
    token, api = writer
    created = api.post("/api/v1/triage/rules", RULE)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["conditions"] == {"amount_gte": "50000", "mood": ["angry"]}
    assert body["enabled"] is True and body["position"] == 2
    rule = TriageRule.objects.get(pk=body["id"], account=account)
    event = Event.objects.get(name="triage.rule_created")
    assert (event.actor_kind, event.actor_id) == ("api_token", token.pk)
    assert (event.subject_type, event.subject_id) == ("triage_rule", rule.pk)
    assert event.payload["actions"] == {"priority": "urgent", "tags": ["whale"]}

    changed = api.put(
        f"/api/v1/triage/rules/{rule.pk}", {**RULE, "enabled": False, "actions": {"tags": ["w"]}}
    )
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    event = Event.objects.get(name="triage.rule_updated")
    assert event.payload["changed"] == ["enabled", "actions"]
    assert event.payload["old"] == {
        "enabled": True,
        "actions": {"priority": "urgent", "tags": ["whale"]},
    }

    assert api.delete(f"/api/v1/triage/rules/{rule.pk}").status_code == 204
    assert not TriageRule.objects.exists()
    deleted = Event.objects.get(name="triage.rule_deleted")
    assert deleted.payload["name"] == "Whales" and deleted.subject_id == rule.pk


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"conditions": {}}, "conditions"),
        ({"actions": {}}, "actions"),
        ({"conditions": {"mood": ["furious"]}}, "conditions"),
        ({"actions": {"priority": "asap"}}, "actions"),
        ({"actions": {"team_id": 999_999}}, "team_id"),
        ({"actions": {"team_id": 2**64}}, "actions"),  # past a database id: not a 500
        ({"name": ""}, "name"),
        ({"name": "x\u0000"}, "name"),
        ({"position": -1}, "position"),
    ],
)
def test_invalid_rules_answer_422_in_the_error_shape(writer, change, field):
    _token, api = writer
    error = assert_error(
        api.post("/api/v1/triage/rules", {**RULE, **change}), 422, "validation_error"
    )
    assert field in error["fields"]
    assert not TriageRule.objects.exists() and not Event.objects.filter(name__startswith="triage.")


def test_a_duplicate_name_is_a_field_error(writer):
    _token, api = writer
    assert api.post("/api/v1/triage/rules", RULE).status_code == 201
    error = assert_error(api.post("/api/v1/triage/rules", RULE), 422, "validation_error")
    assert "name" in error["fields"]


def test_the_scope_is_needed(make_token, api_for):
    _token, plain = make_token(scopes=["conversations:read", "conversations:write"])
    response = api_for(plain).post("/api/v1/triage/rules", RULE)
    assert_error(response, 403, "missing_scope")
    assert not TriageRule.objects.exists()


def test_another_accounts_rule_is_not_found(writer, other_account, api_for):
    _token, api = writer
    theirs = TriageRule.objects.create(
        account=other_account, name="Theirs", conditions={"keyword": ["x"]}, actions={"tags": ["y"]}
    )
    assert_error(api.put(f"/api/v1/triage/rules/{theirs.pk}", RULE), 404, "not_found")
    assert_error(api.delete(f"/api/v1/triage/rules/{theirs.pk}"), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"
    stranger = do_create_agent(
        account=other_account, username="eve", email="eve@example.com",
        password="correct-horse-battery-9", role=User.Role.ADMIN,
    )  # fmt: skip
    _t, plain = do_create_api_token(actor=stranger, name="x", scopes=["triage:write"])
    made = api_for(plain).post("/api/v1/triage/rules", RULE).json()
    assert TriageRule.objects.get(pk=made["id"]).account_id == other_account.pk


def _csrf(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_settings_edit_writes_its_audit_row_in_the_same_transaction(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    new = "/app/settings/triage/rules/new/"
    form = {"name": "Keys", "enabled": "on", "position": "0", "keyword": "seed", "tags": "sec"}
    failing = mock.patch.object(services, "emit", side_effect=RuntimeError("log down"))
    with failing, pytest.raises(RuntimeError):
        client.post(new, {**form, "csrfmiddlewaretoken": _csrf(client, new)})
    assert not TriageRule.objects.exists()  # no rule without its audit row
    response = client.post(new, {**form, "csrfmiddlewaretoken": _csrf(client, new)})
    assert response.status_code == 302
    rule = TriageRule.objects.get(name="Keys")
    event = Event.objects.get(name="triage.rule_created", subject_id=rule.pk)
    assert (event.actor_kind, event.actor_id) == ("agent", admin_user.pk)
    log = client.get("/app/settings/audit/").content.decode()
    assert "Triage rule created" in log and "Keys" in log
