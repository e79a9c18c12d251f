"""The reports pages, CSV and REST API over report rows: filters, who sees what, CSV
escaping, the charts' data blocks under the CSP."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.utils import timezone

from blockdesk.accounts.services import do_create_api_token
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.reports import buckets
from blockdesk.reports.models import AgentDaily, DailyRollup, IntentDaily, TagDaily

pytestmark = pytest.mark.django_db
TODAY = timezone.now().astimezone(dt.UTC).date()


@pytest.fixture
def other_inbox(account, outsider):
    return do_create_web_widget_inbox(account=account, name="VIP desk", members=[outsider]).inbox


def row(account, inbox, *, days_ago=0, agent_id=0, language="en", **counts):
    day = TODAY - dt.timedelta(days=days_ago)
    if agent_id:
        AgentDaily.objects.create(account_id=account.pk, day=day, agent_id=agent_id, **counts)
    return DailyRollup.objects.create(
        account_id=account.pk,
        day=day,
        inbox_id=inbox.pk,
        channel=inbox.channel_kind,
        language=language,
        **counts,
    )


@pytest.fixture
def data(account, channel, other_inbox, agent, outsider):
    inbox = channel.inbox
    row(
        account,
        inbox,
        created=5,
        resolved=3,
        first_resolved=3,
        agent_resolved=2,
        fcr=1,
        reopened_7d=1,
        first_responses=2,
        frt_sum=600,
        frt_1=1,
        frt_2=1,
        agent_id=agent.pk,
    )
    row(account, inbox, days_ago=3, created=2, language="zh")
    row(account, other_inbox, created=7, agent_id=outsider.pk, first_responses=1, frt_9=1)
    row(account, other_inbox, days_ago=40, created=100)  # outside the default 30 days
    return inbox


def csv_rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))


def test_overview_scopes_an_agent_to_their_inboxes(agent_client, admin_client, data):
    page = agent_client.get("/app/reports/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="report-volume"' in text and 'data-testid="report-sla"' not in text
    assert "VIP desk" not in text  # not in the inbox filter either
    by_inbox = csv_rows(agent_client.get("/app/reports/inboxes.csv"))
    assert by_inbox[1:] == [["Website", "7"]]
    everyone = csv_rows(admin_client.get("/app/reports/inboxes.csv"))
    assert sorted(everyone[1:]) == [["VIP desk", "7"], ["Website", "7"]]
    assert 'data-testid="report-sla"' in admin_client.get("/app/reports/").content.decode()


def test_filters(admin_client, data, agent, other_inbox):
    def created(**params) -> int:
        rows = csv_rows(admin_client.get("/app/reports/volume.csv", params))
        return sum(int(r[1]) for r in rows[1:])

    assert created() == 14
    assert created(inbox=data.pk) == 7
    assert created(language="zh") == 2
    assert created(agent=agent.pk) == 5
    assert created(channel="web_widget") == 14 and created(channel="email") == 0
    since = (TODAY - dt.timedelta(days=45)).isoformat()
    assert created(since=since) == 114
    assert created(until=(TODAY - dt.timedelta(days=1)).isoformat()) == 2
    # A bad range falls back to the default and says why.
    bad = admin_client.get("/app/reports/", {"since": "2020-01-01"})
    assert bad.status_code == 400 and "at most 400 days" in bad.content.decode()


def test_agents_pages_and_filters_are_for_leads(
    agent_client, admin_client, data, agent, outsider, other_inbox
):
    assert agent_client.get("/app/reports/agents/").status_code == 403
    assert agent_client.get("/app/reports/agents.csv").status_code == 403
    assert agent_client.get("/app/reports/sla.csv").status_code == 403
    assert agent_client.get("/app/reports/", {"agent": outsider.pk}).status_code == 403
    assert agent_client.get("/app/reports/", {"inbox": other_inbox.pk}).status_code == 403
    assert agent_client.get("/app/reports/", {"agent": agent.pk}).status_code == 200
    page = admin_client.get("/app/reports/agents/")
    assert page.status_code == 200
    table = csv_rows(admin_client.get("/app/reports/agents.csv"))
    alice = next(r for r in table if r[0] == agent.public_name)
    assert alice[2] == "2" and alice[5] == "3"  # first responses, resolved
    assert alice[8] == "50.0" and alice[9] == "33.3"  # FCR 1/2, reopened 1/3
    assert Client().get("/app/reports/").status_code == 302  # sign in first


def test_times_are_medians_of_the_histogram(admin_client, data):
    rows = csv_rows(admin_client.get("/app/reports/times.csv", {"inbox": data.pk}))
    overall = rows[-1]
    assert overall[0] == "All" and overall[1] == "2"
    # One reply in [60, 120) s and one in [120, 300) s: the median is the first one's top.
    assert float(overall[2]) == round(buckets.quantile([0, 1, 1], 0.5) / 60, 1) == 2.0


def test_csv_cells_are_guarded_against_formulas(admin_client, account, data):
    for weeks_ago, n in ((0, 9), (1, 1), (2, 1)):
        TagDaily.objects.create(
            account_id=account.pk,
            day=TODAY - dt.timedelta(days=7 * weeks_ago),
            inbox_id=data.pk,
            channel="web_widget",
            tag='=HYPERLINK("http://x")',
            added=n,
        )
    IntentDaily.objects.create(
        account_id=account.pk,
        day=TODAY,
        intent="-withdrawal",
        inbox_id=data.pk,
        handled=4,
        deflected=1,
        handed_off=3,
    )
    rising = csv_rows(admin_client.get("/app/reports/rising.csv"))
    tag = next(r for r in rising if r[0] == "Tag")
    assert tag[1] == '\'=HYPERLINK("http://x")'
    assert tag[2:] == ["9", "0.5", "1700.0"]  # numbers stay numbers
    assistant = csv_rows(admin_client.get("/app/reports/assistant.csv"))
    assert assistant[1] == ["'-withdrawal", "4", "1", "25.0", "3", "75.0"]


def test_heat_map_and_charts_work_under_the_csp(admin_client, account, data):
    monday_9 = dt.datetime.combine(
        TODAY - dt.timedelta(days=TODAY.weekday()), dt.time(9), tzinfo=dt.UTC
    )
    DailyRollup.objects.create(
        account_id=account.pk, day=monday_9.date(), inbox_id=data.pk, created_h9=4
    )
    page = admin_client.get("/app/reports/")
    text = page.content.decode()
    assert '<td class="heat-9">4</td>' in text
    assert 'type="application/json"' in text and "report-data-volume" in text
    assert "<script>" not in text  # no inline script
    csp = page.headers.get("Content-Security-Policy", "")
    assert "unsafe-inline" not in csp.split("script-src")[-1].split(";")[0]
    heat = csv_rows(admin_client.get("/app/reports/heatmap.csv"))
    assert heat[1][0] == "Mon" and heat[1][10] == "4"


def test_rest_api_gives_the_same_figures(admin_user, admin_client, data):
    _token, plain = do_create_api_token(actor=admin_user, name="r", scopes=["conversations:read"])
    auth = {"Authorization": f"Bearer {plain}"}
    api = Client()
    answer = api.get("/api/v1/reports/inboxes", headers=auth)
    assert answer.status_code == 200
    body = json.loads(answer.content)
    assert sorted(body["rows"]) == [["VIP desk", 7], ["Website", 7]]
    assert body["chart"]["type"] == "bar"
    agents = api.get("/api/v1/reports/agents", headers=auth)
    assert agents.status_code == 200
    assert api.get("/api/v1/reports/volume", {"since": "x"}, headers=auth).status_code == 422
    assert api.get("/api/v1/reports/nope", headers=auth).status_code in (404, 422)
    _t, weak = do_create_api_token(actor=admin_user, name="w", scopes=["contacts:read"])
    assert (
        api.get("/api/v1/reports/volume", headers={"Authorization": f"Bearer {weak}"}).status_code
        == 403
    )


def test_demo_history_shows_every_figure(admin_client, account, channel, agent):
    from blockdesk.demo import seed_reports

    seed_reports.seed(account=account)
    text = admin_client.get("/app/reports/").content.decode()
    for key in (
        "volume",
        "channels",
        "inboxes",
        "times",
        "resolution",
        "assistant",
        "rising",
    ):
        assert f"report-data-{key}" in text, key
    assert 'class="heat-9"' in text  # the heat map is a shaded table
    rising = csv_rows(admin_client.get("/app/reports/rising.csv"))
    assert {r[1] for r in rising[1:4]} & {"listing", "listing-question"}
    assert admin_client.get("/app/reports/agents/").status_code == 200
