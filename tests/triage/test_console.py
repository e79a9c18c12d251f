"""Triage in the console: the badge in the list (reasons in its title) and the live JSON,
the panel in the conversation, the query count of the list page, and Settings → Triage
(administrators only, CSRF)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from blockdesk.conversations.models import Contact, Conversation
from blockdesk.triage import services
from blockdesk.triage.models import TriageRule, TriageSettings
from tests.triage.conftest import write

pytestmark = pytest.mark.django_db
LOST = "I sent 12000 USDT to the wrong address"


@pytest.fixture
def scored(channel, contact, admin_user):
    services.do_update_settings(
        actor=admin_user,
        reference_prices={"USDT": "1"},
        reference_currency="USD",
        vip_tiers=[],
        urgent_at=60,
        high_at=30,
        set_priority=True,
    )
    case = write(channel, contact, LOST).conversation
    services.do_triage(conversation_id=case.pk)
    return case


def test_the_list_shows_the_score_with_its_reasons(agent_client, scored):
    html = agent_client.get("/app/").content.decode()
    badge = re.search(r'<span class="pill triage-badge triage-(\w+)" title="([^"]*)"', html)
    assert badge is not None
    assert "funds at stake ≈ 12,000 USDT" in badge.group(2)
    [row] = agent_client.get("/app/list.json").json()["rows"]
    assert row["triage"]["score"] > 0 and "12,000 USDT" in row["triage"]["title"]

    page = agent_client.get(f"/app/c/{scored.display_id}/").content.decode()
    assert 'class="triage-panel"' in page and "funds at stake ≈ 12,000 USDT" in page


def test_user_content_in_reasons_is_escaped(agent_client, channel, account, scored):
    rows = scored.triage.reasons
    rows.append({"code": "intent", "points": 1, "part": "urgency", "params": {"intent": "<b>x"}})
    scored.triage.save()
    html = agent_client.get("/app/").content.decode()
    assert "<b>x" not in html and "&lt;b&gt;x" in html


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/app/").status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_more_rows(agent_client, channel, account, scored):
    few = _list_queries(agent_client)
    for i in range(8):
        case = write(channel, Contact.objects.create(account=account, name=f"N{i}"), LOST)
        services.do_triage(conversation_id=case.conversation_id)
    assert Conversation.objects.count() == 9
    assert _list_queries(agent_client) == few


# --- settings --------------------------------------------------------------------------


def _csrf(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_only_administrators_reach_the_settings(agent_client):
    response = agent_client.get("/app/settings/triage/")
    assert response.status_code in (302, 403, 404)
    assert agent_client.post("/app/settings/triage/rules/new/", {"name": "x"}).status_code in (
        302,
        403,
        404,
    )
    assert not TriageRule.objects.exists()


def test_an_administrator_sets_prices_and_rules(admin_client, admin_user):
    url = "/app/settings/triage/"
    assert admin_client.post(url, {"reference_currency": "USD"}).status_code == 403  # no CSRF
    token = _csrf(admin_client, url)
    response = admin_client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "reference_prices": "btc = 60000\nUSDT=1",
            "reference_currency": "usd",
            "vip_tiers": "VIP, gold",
            "urgent_at": "70",
            "high_at": "40",
            "set_priority": "on",
        },
    )
    assert response.status_code == 302
    config = TriageSettings.objects.get(account_id=admin_user.account_pk)
    assert config.reference_prices == {"BTC": "60000", "USDT": "1"}
    assert (config.vip_tiers, config.urgent_at, config.high_at) == (["gold", "vip"], 70, 40)

    bad = admin_client.post(
        url,
        {
            "csrfmiddlewaretoken": token,
            "reference_prices": "BTC = lots",
            "reference_currency": "USD",
            "urgent_at": "30",
            "high_at": "40",
        },
    )
    assert bad.status_code == 400

    new = "/app/settings/triage/rules/new/"
    response = admin_client.post(
        new,
        {
            "csrfmiddlewaretoken": _csrf(admin_client, new),
            "name": "Whales",
            "enabled": "on",
            "position": "1",
            "amount_gte": "50000",
            "mood": ["angry"],
            "priority": "urgent",
            "tags": "whale",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = TriageRule.objects.get(name="Whales")
    assert rule.conditions == {"amount_gte": "50000", "mood": ["angry"]}
    assert rule.actions == {"priority": "urgent", "tags": ["whale"]}
    listing = admin_client.get(url).content.decode()
    assert "Whales" in listing and "funds ≥ 50000" in listing

    edit = f"/app/settings/triage/rules/{rule.pk}/"
    assert admin_client.get(edit).status_code == 200
    delete = f"/app/settings/triage/rules/{rule.pk}/delete/"
    assert admin_client.post(delete, {"csrfmiddlewaretoken": token}).status_code == 302
    assert not TriageRule.objects.exists()


def test_an_empty_rule_is_refused(admin_client):
    new = "/app/settings/triage/rules/new/"
    response = admin_client.post(
        new, {"csrfmiddlewaretoken": _csrf(admin_client, new), "name": "Nothing", "tags": "x"}
    )
    assert response.status_code == 400
    assert "Give at least one condition." in response.content.decode()


def test_rules_of_another_account_are_not_found(admin_client, other_account):
    theirs = TriageRule.objects.create(
        account=other_account, name="T", conditions={"keyword": ["x"]}, actions={"tags": ["y"]}
    )
    assert admin_client.get(f"/app/settings/triage/rules/{theirs.pk}/").status_code == 404
