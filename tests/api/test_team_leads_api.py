"""REST: teams with their members and leads (`agents:read`), and making a member a lead
(`teams:write`): the caller's account only, a lead must be a member (422)."""

from __future__ import annotations

import pytest

from blockdesk.accounts.models import Team
from blockdesk.events.models import Event
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_list_teams_and_set_a_lead(make_token, api_for, account, agent, outsider):
    team = Team.objects.create(account=account, name="Payments")
    team.members.add(agent, outsider)
    token, plain = make_token(scopes=["agents:read", "teams:write"])
    api = api_for(plain)
    [listed] = api.get("/api/v1/teams").json()
    assert listed == {
        "id": team.pk,
        "name": "Payments",
        "members": sorted([agent.pk, outsider.pk]),
        "leads": [],
    }
    path = f"/api/v1/teams/{team.pk}/members/{agent.pk}/lead"
    answer = api.put(path, {"lead": True})
    assert answer.status_code == 200 and answer.json()["leads"] == [agent.pk]
    event = Event.objects.get(name="agent.team_lead_changed")
    assert (event.actor_kind, event.actor_id) == ("api_token", token.pk)
    assert event.payload["lead"] is True and event.payload["team_id"] == team.pk
    assert api.put(path, {"lead": False}).json()["leads"] == []
    assert Event.objects.filter(name="agent.team_lead_changed").count() == 2
    api.put(path, {"lead": False})  # no change, no audit row
    assert Event.objects.filter(name="agent.team_lead_changed").count() == 2


def test_scope_membership_and_account(make_token, api_for, account, agent, other_account):
    team = Team.objects.create(account=account, name="Payments")
    path = f"/api/v1/teams/{team.pk}/members/{agent.pk}/lead"
    _t, reader = make_token(scopes=["agents:read"])
    assert_error(api_for(reader).put(path, {"lead": True}), 403, "missing_scope")
    _t, writer = make_token(scopes=["teams:write"])
    api = api_for(writer)
    error = assert_error(api.put(path, {"lead": True}), 422, "validation_error")
    assert "user" in error["fields"]  # not a member
    theirs = Team.objects.create(account=other_account, name="Theirs")
    assert_error(
        api.put(f"/api/v1/teams/{theirs.pk}/members/{agent.pk}/lead", {"lead": True}),
        404,
        "not_found",
    )
    assert_error(api.put(path, {"lead": "maybe"}), 422, "validation_error")
