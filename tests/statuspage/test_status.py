"""The status page through its services, events and pages: incidents move the components'
states and back, maintenance, the 90-day bars and uptime, subscribers' mailings per update,
the widget, console and help-center notices, the assistant's incident notice, authorisation
across accounts, hostile input, the REST API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from blockdesk.accounts.models import User
from blockdesk.accounts.services import do_create_agent, do_create_api_token
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.common.notices import NoticeQuery
from blockdesk.notifications.models import ListMailing
from blockdesk.statuspage import selectors, services
from blockdesk.statuspage.assistant_notice import incident_notice
from blockdesk.statuspage.event_consumers import CONSUMER
from blockdesk.statuspage.models import Component, Incident, State, StateChange
from tests.events.support import drain
from tests.support.event_log import events_after, last_event_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def deposits(admin_user: User) -> Component:
    return services.do_create_component(
        actor=admin_user,
        key="deposits-eth",
        name="Deposits (Ethereum)",
        name_zh="充值（以太坊）",
        topics=["deposit", "充值"],
    )


@pytest.fixture
def login(admin_user: User) -> Component:
    return services.do_create_component(actor=admin_user, key="login", name="Login")


def test_incident_lifecycle_moves_component_states(admin_user, deposits, login) -> None:
    before = last_event_id()
    incident = services.do_open_incident(
        actor=admin_user,
        title="Delayed ETH deposits",
        body="We are looking into it.",
        component_ids=[deposits.pk],
        impact=State.PARTIAL_OUTAGE,
    )
    deposits.refresh_from_db()
    login.refresh_from_db()
    assert deposits.state == State.PARTIAL_OUTAGE and login.state == State.OPERATIONAL
    names = [e.name for e in events_after(before)]
    assert names == ["status.component_changed", "status.incident_updated"]
    services.do_post_update(
        actor=admin_user, incident=incident, status="identified", body="Node lag."
    )
    services.do_post_update(actor=admin_user, incident=incident, status="resolved", body="Fixed.")
    deposits.refresh_from_db()
    incident.refresh_from_db()
    assert deposits.state == State.OPERATIONAL and incident.resolved_at is not None
    assert incident.updates.count() == 3
    with pytest.raises(ValidationFailed):
        services.do_post_update(actor=admin_user, incident=incident, status="monitoring", body="x")


def test_two_incidents_keep_the_worst_state(admin_user, deposits) -> None:
    first = services.do_open_incident(
        actor=admin_user,
        title="A",
        body="a",
        component_ids=[deposits.pk],
        impact=State.MAJOR_OUTAGE,
    )
    services.do_open_incident(
        actor=admin_user, title="B", body="b", component_ids=[deposits.pk], impact=State.DEGRADED
    )
    services.do_post_update(actor=admin_user, incident=first, status="resolved", body="ok")
    deposits.refresh_from_db()
    assert deposits.state == State.DEGRADED


def test_scheduled_maintenance_waits_then_applies(admin_user, login) -> None:
    start = timezone.now() + dt.timedelta(days=1)
    mnt = services.do_open_incident(
        actor=admin_user,
        title="Database upgrade",
        body="Login unavailable for 30 minutes.",
        component_ids=[login.pk],
        impact=State.MAINTENANCE,
        kind=Incident.Kind.MAINTENANCE,
        scheduled_start=start,
        scheduled_end=start + dt.timedelta(minutes=30),
    )
    login.refresh_from_db()
    assert mnt.status == "scheduled" and login.state == State.OPERATIONAL
    assert list(selectors.upcoming_maintenance(account_id=login.account_id)) == [mnt]
    with pytest.raises(ValidationFailed):
        services.do_post_update(actor=admin_user, incident=mnt, status="investigating", body="x")
    services.do_post_update(actor=admin_user, incident=mnt, status="in_progress", body="Started.")
    login.refresh_from_db()
    assert login.state == State.MAINTENANCE
    services.do_post_update(actor=admin_user, incident=mnt, status="completed", body="Done.")
    login.refresh_from_db()
    assert login.state == State.OPERATIONAL


def test_uptime_bars_from_state_changes(account, deposits) -> None:
    now = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    StateChange.objects.all().delete()
    StateChange.objects.create(
        component=deposits, state=State.OPERATIONAL, at=now - dt.timedelta(days=200)
    )
    StateChange.objects.create(
        component=deposits, state=State.MAJOR_OUTAGE, at=now - dt.timedelta(days=3, hours=2)
    )
    StateChange.objects.create(
        component=deposits, state=State.OPERATIONAL, at=now - dt.timedelta(days=3)
    )
    StateChange.objects.create(
        component=deposits, state=State.DEGRADED, at=now - dt.timedelta(days=1)
    )
    history = selectors.histories(account_id=account.pk, now=now)[0]
    assert len(history.days) == 90
    worst = {d.date: d.worst for d in history.days}
    assert worst[(now - dt.timedelta(days=3)).date()] == State.MAJOR_OUTAGE
    assert worst[(now - dt.timedelta(days=1)).date()] == State.DEGRADED
    assert worst[(now - dt.timedelta(days=10)).date()] == State.OPERATIONAL
    down = sum(d.down_seconds for d in history.days)
    assert down == pytest.approx(2 * 3600)
    assert 99.8 < history.uptime < 100.0


def test_public_page_renders_bars_server_side(account, admin_user, deposits) -> None:
    services.do_open_incident(
        actor=admin_user,
        title="<script>alert(1)</script>",
        body="<img src=x onerror=alert(1)>",
        component_ids=[deposits.pk],
        impact=State.DEGRADED,
    )
    client = Client()
    page = client.get("/status/?lang=zh-hans")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="bar state-') == 90
    assert "充值（以太坊）" in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert 'rel="canonical"' in html and 'hreflang="x-default"' in html
    atom = client.get("/status/feed.atom").content.decode()
    assert "&lt;script&gt;" in atom and "<script>" not in atom
    assert client.get("/status/feed.rss").status_code == 200


def test_open_incident_shows_in_widget_help_center_and_console(
    account, admin_user, agent, channel, deposits
) -> None:
    services.do_open_incident(
        actor=admin_user,
        title="Delayed ETH deposits",
        body="Investigating.",
        component_ids=[deposits.pk],
    )
    widget = Client().get(f"/widget/frame/{channel.public_token}/").content.decode()
    assert "Delayed ETH deposits" in widget and 'data-testid="status-notice"' in widget
    assert "Delayed ETH deposits" in Client().get("/help/en/").content.decode()
    console = Client()
    console.force_login(agent)
    assert "Delayed ETH deposits" in console.get("/app/").content.decode()


def test_assistant_tells_customers_about_the_affected_feature(
    account, admin_user, deposits
) -> None:
    services.do_open_incident(
        actor=admin_user,
        title="Delayed ETH deposits",
        body="Deposits are delayed ~30 min.",
        component_ids=[deposits.pk],
    )
    ask = NoticeQuery(
        account_id=account.pk, language="en", text="My deposits have not arrived", intent=""
    )
    notice = incident_notice(ask)
    assert notice is not None and not notice.answers
    assert "Deposits (Ethereum)" in notice.text and "delayed ~30 min" in notice.text
    zh = incident_notice(
        NoticeQuery(account_id=account.pk, language="zh-hans", text="我的充值还没到账", intent="")
    )
    assert zh is not None and "充值（以太坊）" in zh.text
    by_intent = NoticeQuery(account_id=account.pk, language="en", text="help", intent="deposit")
    assert incident_notice(by_intent) is not None
    other = NoticeQuery(
        account_id=account.pk, language="en", text="How do I change my password?", intent=""
    )
    assert incident_notice(other) is None


def test_only_admins_of_the_account_write(
    account, admin_user, agent, other_account, deposits
) -> None:
    with pytest.raises(Forbidden):
        services.do_open_incident(actor=agent, title="x", body="y", component_ids=[deposits.pk])
    stranger = do_create_agent(
        account=other_account,
        username="eve",
        email="eve@example.com",
        password="pw-123456789",
        role=User.Role.ADMIN,
    )
    # Another account's component id is unknown here.
    with pytest.raises(ValidationFailed):
        services.do_open_incident(actor=stranger, title="x", body="y", component_ids=[deposits.pk])
    incident = services.do_open_incident(
        actor=admin_user, title="x", body="y", component_ids=[deposits.pk]
    )
    with pytest.raises(Forbidden):
        services.do_post_update(actor=stranger, incident=incident, status="resolved", body="z")
    with pytest.raises(Forbidden):
        services.do_set_component_state(actor=stranger, component=deposits, state="major_outage")
    client = Client()
    client.force_login(stranger)
    assert (
        client.post(
            f"/app/status/incidents/{incident.pk}/updates/", {"status": "resolved", "body": "z"}
        ).status_code
        == 404
    )
    client.force_login(agent)
    assert client.get("/app/status/").status_code == 403


def test_secrets_and_huge_text_refused(admin_user, deposits) -> None:
    phrase = "abandon " * 11 + "about"
    with pytest.raises(ValidationFailed):
        services.do_open_incident(
            actor=admin_user, title="t", body=phrase, component_ids=[deposits.pk]
        )
    with pytest.raises(ValidationFailed):
        services.do_open_incident(
            actor=admin_user, title="t", body="x" * 6000, component_ids=[deposits.pk]
        )


# Committed: on PostgreSQL the consumer reads committed events only.
@pytest.mark.django_db(transaction=True)
def test_each_update_starts_one_mailing(account, admin_user, deposits) -> None:
    incident = services.do_open_incident(
        actor=admin_user, title="Slow API", body="Looking.", component_ids=[deposits.pk]
    )
    services.do_post_update(actor=admin_user, incident=incident, status="resolved", body="Fixed.")
    drain(CONSUMER, expect=2, timeout=60)
    mailings = ListMailing.objects.filter(account=account, list_name="status")
    assert mailings.count() == 2
    subjects = sorted(m.content["en"]["subject"] for m in mailings)
    assert subjects == ["[Status] Slow API · Investigating", "[Status] Slow API · Resolved"]
    last = incident.updates.first()
    assert last is not None
    assert "Fixed." in mailings.get(key=f"incident-update:{last.pk}").content["zh-hans"]["text"]


def test_console_opens_and_updates(account, admin_user, deposits) -> None:
    client = Client()
    client.force_login(admin_user)
    assert client.get("/app/status/").status_code == 200
    response = client.post(
        "/app/status/incidents/",
        {
            "kind": "incident",
            "impact": "major_outage",
            "title": "Trading halted",
            "components": [str(deposits.pk)],
            "body": "We halted trading.",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get(account=account)
    deposits.refresh_from_db()
    assert deposits.state == State.MAJOR_OUTAGE
    client.post(
        f"/app/status/incidents/{incident.pk}/updates/", {"status": "resolved", "body": "Back."}
    )
    incident.refresh_from_db()
    assert incident.status == "resolved"


def test_rest_reads_are_public_and_writes_need_an_admin(
    account, admin_user, agent, deposits
) -> None:
    services.do_open_incident(actor=admin_user, title="Slow", body="b", component_ids=[deposits.pk])
    data = Client().get("/api/v1/status").json()
    assert data["state"] == "degraded"
    assert data["incidents"][0]["components"] == ["deposits-eth"]
    body = {"title": "x", "body": "y", "components": ["deposits-eth"]}
    assert (
        Client().post("/api/v1/status/incidents", body, content_type="application/json").status_code
        == 401
    )
    _token, plain = do_create_api_token(actor=admin_user, name="status", scopes=["status:write"])
    created = Client().post(
        "/api/v1/status/incidents",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {plain}",
    )
    assert created.status_code == 201, created.content
    assert created.json()["updates"][0]["body"] == "y"
    _token, reader = do_create_api_token(actor=admin_user, name="r", scopes=["trust:read"])
    refused = Client().post(
        "/api/v1/status/incidents",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {reader}",
    )
    assert refused.status_code == 403
