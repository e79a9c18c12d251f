"""The SLA settings pages (admin only, CSRF), the report (page, CSV, REST) and the
conversation list's badge and sort."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from blockdesk.accounts.models import Team
from blockdesk.accounts.services import do_create_api_token
from blockdesk.conversations import services as conv
from blockdesk.conversations.models import Contact
from blockdesk.sla.models import BusinessHours, SlaClock, SlaPolicy
from tests.sla.support import Clock, policy

HOURS = "/app/settings/sla/hours/"
POLICIES = "/app/settings/sla/policies/"
REPORT = "/app/settings/sla/report/"


@pytest.mark.django_db
@pytest.mark.parametrize("path", [HOURS, HOURS + "new/", POLICIES, POLICIES + "new/", REPORT])
def test_pages_are_for_administrators(agent_client, admin_client, path):
    assert agent_client.get(path).status_code == 403
    assert admin_client.get(path).status_code == 200
    assert Client().get(path).status_code == 302  # to the login page


@pytest.mark.django_db
def test_business_hours_form(admin_client, admin_user, account):
    team = Team.objects.create(account=account, name="Asia desk")
    form = {"time_zone": "Asia/Shanghai", "team": team.pk, "day_0": "09:00-12:00, 13:00-18:00"}
    response = admin_client.post(HOURS + "new/", form)
    assert response.status_code == 302
    hours = BusinessHours.objects.get(team=team)
    assert hours.time_zone == "Asia/Shanghai"
    assert list(hours.intervals.values_list("weekday", "start_minute", "end_minute")) == [
        (0, 540, 720),
        (0, 780, 1080),
    ]
    page = admin_client.get(response["Location"])
    assert b"09:00-12:00, 13:00-18:00" in page.content
    bad = admin_client.post(response["Location"], {"time_zone": "Mars/Olympus", "day_1": "9-5"})
    assert bad.status_code == 400
    overlap = admin_client.post(
        response["Location"], {"time_zone": "UTC", "day_1": "09:00-12:00, 11:00-13:00"}
    )
    assert overlap.status_code == 400 and "overlap" in overlap.content.decode()
    added = admin_client.post(
        f"{HOURS}{hours.pk}/holidays/", {"date": "2026-10-01", "name": "National Day"}
    )
    assert added.status_code == 302 and hours.holidays.get().name == "National Day"


@pytest.mark.django_db
def test_forms_need_the_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(HOURS + "new/", {"time_zone": "UTC"})
    assert response.status_code == 403
    assert not BusinessHours.objects.exists()


@pytest.mark.django_db
def test_policy_form_keeps_to_the_account(admin_client, account, other_account, channel):
    foreign = Team.objects.create(account=other_account, name="Theirs")
    values = {
        "name": "VIP",
        "position": 1,
        "active": "on",
        "inbox": channel.inbox.pk,
        "priority": "1",
        "customer_tier": "vip",
        "first_response_minutes": 15,
        "business_hours": "on",
        "warn_percent": 80,
        "notify_on_breach": "on",
    }
    assert admin_client.post(POLICIES + "new/", values).status_code == 302
    saved = SlaPolicy.objects.get(name="VIP")
    assert saved.inbox_id == channel.inbox.pk and saved.priority == 1
    refused = admin_client.post(POLICIES + "new/", {**values, "breach_escalate_team": foreign.pk})
    assert refused.status_code == 400
    no_target = admin_client.post(POLICIES + "new/", {**values, "first_response_minutes": ""})
    assert no_target.status_code == 400
    assert SlaPolicy.objects.count() == 1


def _done(account, pol, conversation, agent, met: bool, target="first_response") -> None:
    now = timezone.now()
    SlaClock.objects.create(
        account=account, conversation=conversation, policy=pol, target=target,
        state=SlaClock.State.DONE, budget_seconds=3600, started_at=now,
        stopped_at=now, met=met, agent=agent, channel_kind="web_widget",
    )  # fmt: skip


@pytest.mark.django_db
def test_report_page_csv_and_api(
    admin_client,
    agent_client,
    account,
    admin_user,
    agent,
    channel,
    contact,
):
    pol = policy(account, name="=Gold")
    case = conv.do_create_conversation(inbox=channel.inbox, contact=contact)
    for met in (True, True, False):
        _done(account, pol, case, agent, met)
    page = admin_client.get(REPORT, {"group": "agent"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "2 of 3 targets met" in body and agent.public_name in body
    csv_body = admin_client.get(REPORT, {"group": "policy", "format": "csv"}).content.decode()
    assert csv_body.splitlines()[1] == f"{pol.pk},'=Gold,3,2,1,0.6667"
    assert agent_client.get(REPORT).status_code == 403

    _token, plain = do_create_api_token(actor=admin_user, name="r", scopes=["conversations:read"])
    api = Client()
    auth = {"Authorization": f"Bearer {plain}"}
    answer = api.get("/api/v1/sla/report", {"group": "channel"}, headers=auth)
    assert answer.status_code == 200
    rows = json.loads(answer.content)["rows"]
    assert rows == [
        {"key": "web_widget", "label": "web_widget", "total": 3, "met": 2, "missed": 1,
         "met_share": 0.6667},
    ]  # fmt: skip
    for bad in (
        {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"until": "0001-01-01T00:00:00Z"},
        {"since": "2026-01-01T00:00:00"},
        {"since": "2020-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    ):
        assert api.get("/api/v1/sla/report", bad, headers=auth).status_code == 422, bad
    clocks = api.get(f"/api/v1/sla/conversations/{case.pk}/clocks", headers=auth)
    assert clocks.status_code == 200 and len(json.loads(clocks.content)) == 3
    assert api.get("/api/v1/sla/conversations/999999/clocks", headers=auth).status_code == 404
    _t, weak = do_create_api_token(actor=admin_user, name="w", scopes=["contacts:read"])
    refused = api.get("/api/v1/sla/report", headers={"Authorization": f"Bearer {weak}"})
    assert refused.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_list_shows_time_left_and_sorts_by_it(agent_client, account, channel, contact, agent):
    policy(account, business_hours=False, first_response_minutes=60)
    time = Clock()
    now = timezone.now()
    soon = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="first"
    ).message.conversation
    time.step(now - dt.timedelta(minutes=50))  # 10 minutes left, past the 80 % warning
    dan = Contact.objects.create(account=account, name="Dan")
    later = conv.do_send_contact_message(
        contact=dan, inbox=channel.inbox, conversation=None, content="second"
    ).message.conversation
    time.step(now - dt.timedelta(minutes=5))

    page = agent_client.get("/app/", {"sort": "sla"}).content.decode()
    assert page.index(f'data-conversation-id="{soon.pk}"') < page.index(
        f'data-conversation-id="{later.pk}"'
    )
    assert "sla-warning" in page and "sla-ok" in page and "m left" in page
    # By activity (the default) the newer case comes first.
    default = agent_client.get("/app/").content.decode()
    assert default.index(f'data-conversation-id="{later.pk}"') < default.index(
        f'data-conversation-id="{soon.pk}"'
    )
    rows = agent_client.get("/app/list.json", {"sort": "sla"}).json()["rows"]
    assert [r["id"] for r in rows][:2] == [soon.pk, later.pk]
    assert rows[0]["sla"]["css"] == "sla-warning" and rows[1]["sla"]["css"] == "sla-ok"
