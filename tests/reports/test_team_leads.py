"""Per-agent performance for team leads: a lead sees the agents of the teams they lead
(and themself), an administrator every agent, an agent who leads no team gets 403."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from blockdesk.accounts.models import Team
from blockdesk.accounts.services import do_create_agent
from tests.conftest import PASSWORD
from tests.reports.test_pages_api import data, other_inbox  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(account, agent, channel):
    lena = do_create_agent(
        account=account, username="lena", email="lena@example.com", password=PASSWORD
    )
    channel.inbox.members.add(lena)
    team = Team.objects.create(account=account, name="Payments")
    team.members.add(lena, through_defaults={"is_lead": True})
    team.members.add(agent)  # alice; bob (the outsider) is in no team of hers
    return lena


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _names(response) -> list[str]:
    body = response.content.decode("utf-8").lstrip("\ufeff")
    return sorted(r[0] for r in list(csv.reader(io.StringIO(body)))[1:])


def test_a_team_lead_sees_their_teams_agents_only(lead, agent, outsider, data, admin_user):  # noqa: F811
    client = _client(lead)
    assert client.get("/app/reports/agents/").status_code == 200
    assert _names(client.get("/app/reports/agents.csv")) == [agent.public_name]
    assert client.get("/app/reports/", {"agent": agent.pk}).status_code == 200
    assert client.get("/app/reports/", {"agent": outsider.pk}).status_code == 403
    assert client.get("/app/reports/agents.csv", {"agent": outsider.pk}).status_code == 403
    # The account's SLA figure stays with the administrators.
    assert client.get("/app/reports/sla.csv").status_code == 403
    page = client.get("/app/reports/").content.decode()
    assert 'data-testid="agents-link"' in page
    everyone = _names(_client(admin_user).get("/app/reports/agents.csv"))
    assert everyone == sorted([agent.public_name, outsider.public_name])


def test_an_agent_who_leads_no_team_gets_403(lead, agent, data):  # noqa: F811
    client = _client(agent)  # a member of the team, not its lead
    assert client.get("/app/reports/agents/").status_code == 403
    assert client.get("/app/reports/agents.csv").status_code == 403
    assert client.get("/app/reports/", {"agent": lead.pk}).status_code == 403
    assert 'data-testid="agents-link"' not in client.get("/app/reports/").content.decode()


def test_losing_the_lead_flag_takes_the_figures_away(lead, account, data):  # noqa: F811
    team = Team.objects.get(account=account, name="Payments")
    team.memberships.filter(user=lead).update(is_lead=False)
    assert _client(lead).get("/app/reports/agents/").status_code == 403
