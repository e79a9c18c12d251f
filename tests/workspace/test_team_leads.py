"""Team leads in Settings → Teams: an administrator marks members as leads; a lead must be
a member; the flag survives an edit of the members; agents cannot change it."""

from __future__ import annotations

import pytest

from blockdesk.accounts.models import Team, TeamMembership
from blockdesk.accounts.selectors import leads_or_admins, team_leads
from blockdesk.events.models import Event

pytestmark = pytest.mark.django_db


def _leads(team: Team) -> set[int]:
    return set(team.memberships.filter(is_lead=True).values_list("user_id", flat=True))


def test_an_admin_sets_team_leads_in_the_team_page(
    admin_client, admin_user, account, agent, outsider
):
    team = Team.objects.create(account=account, name="Payments")
    url = f"/app/settings/teams/{team.pk}/"
    page = admin_client.get(url).content.decode()
    assert 'name="leads"' in page
    form = {"name": "Payments", "members": [agent.pk, outsider.pk], "leads": [agent.pk]}
    assert admin_client.post(url, form).status_code == 302
    assert _leads(team) == {agent.pk}
    assert [u.pk for u in team_leads(team_id=team.pk)] == [agent.pk]
    [event] = Event.objects.filter(name="agent.team_lead_changed")
    assert (event.actor_kind, event.actor_id) == ("agent", admin_user.pk)
    assert event.payload["team"] == "Payments" and event.payload["lead"] is True
    assert event.subject_id == agent.pk
    # A lead who is not a member is refused, and nothing changes.
    bad = admin_client.post(
        url, {"name": "Payments", "members": [agent.pk], "leads": [outsider.pk]}
    )
    assert bad.status_code == 200 and "must be a member" in bad.content.decode()
    assert _leads(team) == {agent.pk}
    assert set(team.members.values_list("pk", flat=True)) == {agent.pk, outsider.pk}
    # Removing a lead from the team removes the flag with the membership.
    admin_client.post(url, {"name": "Payments", "members": [outsider.pk], "leads": []})
    assert not TeamMembership.objects.filter(team=team, user=agent).exists()
    assert _leads(team) == set()


def test_agents_cannot_set_leads(agent_client, account, agent):
    team = Team.objects.create(account=account, name="Payments")
    team.members.add(agent)
    url = f"/app/settings/teams/{team.pk}/"
    response = agent_client.post(
        url, {"name": "Payments", "members": [agent.pk], "leads": [agent.pk]}
    )
    assert response.status_code == 403
    assert _leads(team) == set()


def test_leads_or_admins_falls_back_to_the_administrators(account, agent, admin_user):
    team = Team.objects.create(account=account, name="Payments")
    team.members.add(agent)
    assert leads_or_admins(account_id=account.pk, team_id=team.pk) == [admin_user]
    assert leads_or_admins(account_id=account.pk, team_id=None) == [admin_user]
    team.memberships.filter(user=agent).update(is_lead=True)
    assert leads_or_admins(account_id=account.pk, team_id=team.pk) == [agent]
    agent.is_active = False
    agent.save()
    assert leads_or_admins(account_id=account.pk, team_id=team.pk) == [admin_user]
