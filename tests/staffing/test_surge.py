"""Surge mode on controlled clocks: arrivals against the forecast start it (not below the
minimum volume), a calm spell ends it, admins start and end it by hand, the console shows
the banner and the widget the notice, leads are alerted through the event consumer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from blockdesk.conversations.models import Contact, Conversation
from blockdesk.events.models import Event
from blockdesk.staffing import surge
from blockdesk.staffing.models import Surge, SurgeSettings
from tests.conftest import PASSWORD
from tests.events.support import drain
from tests.support.live_server import fresh_cache_namespace

pytestmark = pytest.mark.django_db

# A Wednesday, half past ten (UTC): the detection window is inside one hour of the week.
NOW = dt.datetime(2026, 11, 4, 10, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fresh_cache(settings: Any) -> None:
    fresh_cache_namespace(settings)  # the hourly forecast is cached


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


class Arrivals:
    """Conversations created at chosen times (display ids unique per account)."""

    def __init__(self, channel) -> None:
        self.channel = channel
        self.account = channel.inbox.account
        self.contact = Contact.objects.create(account=self.account, name="c")
        self.next_id = 1000

    def add(self, when: dt.datetime, n: int = 1) -> None:
        rows = []
        for _ in range(n):
            self.next_id += 1
            rows.append(
                Conversation(
                    account=self.account,
                    inbox=self.channel.inbox,
                    contact=self.contact,
                    display_id=self.next_id,
                )
            )
        made = Conversation.objects.bulk_create(rows)
        Conversation.objects.filter(pk__in=[c.pk for c in made]).update(created_at=when)

    def history(self, per_hour: int, weeks: int = 2) -> None:
        """`per_hour` arrivals in the same hour of the week, each of the past weeks."""
        for week in range(1, weeks + 1):
            hour = NOW.replace(minute=10) - dt.timedelta(weeks=week)
            self.add(hour, per_hour)


def configure(account, **values: Any) -> SurgeSettings:
    config = surge.settings_for(account.pk)
    defaults = {"factor": 2.0, "min_arrivals": 10, "window_minutes": 15, "calm_minutes": 30}
    for name, value in {**defaults, **values}.items():
        setattr(config, name, value)
    config.full_clean()
    config.save()
    return config


def test_arrivals_above_the_factor_start_a_surge(channel, account, admin_user):
    arrivals = Arrivals(channel)
    arrivals.history(per_hour=8)  # forecast 8/h: 2 in a 15-minute window
    configure(account)
    arrivals.add(NOW - dt.timedelta(minutes=5), 4)  # below the minimum of 10
    assert surge.check_account(account_id=account.pk, now=NOW) is None
    arrivals.add(NOW - dt.timedelta(minutes=4), 8)  # 12 ≥ 10 and > 2 × 2
    assert surge.check_account(account_id=account.pk, now=NOW) == "started"
    found = surge.open_surge(account.pk)
    assert found is not None and found.started_by == "auto"
    assert (found.arrivals, found.expected) == (12, 2.0)
    event = Event.objects.get(name="staffing.surge_started")
    assert event.payload["surge_id"] == found.pk and event.actor_kind == "system"
    # A second check while it is on starts nothing new.
    assert surge.check_account(account_id=account.pk, now=NOW) is None
    assert Surge.objects.count() == 1


def test_not_above_the_factor_is_no_surge(channel, account):
    arrivals = Arrivals(channel)
    arrivals.history(per_hour=40)  # forecast 10 per window
    configure(account)
    arrivals.add(NOW - dt.timedelta(minutes=3), 20)  # exactly 2 × the forecast: not above
    assert surge.check_account(account_id=account.pk, now=NOW) is None
    assert not Surge.objects.exists()


def test_a_quiet_night_does_not_trigger_below_the_minimum(channel, account):
    arrivals = Arrivals(channel)
    configure(account, min_arrivals=20)
    # No history at all: the forecast is 0 and 19 arrivals are "infinitely" above it.
    arrivals.add(NOW - dt.timedelta(minutes=2), 19)
    assert surge.check_account(account_id=account.pk, now=NOW) is None
    arrivals.add(NOW - dt.timedelta(minutes=1), 1)
    assert surge.check_account(account_id=account.pk, now=NOW) == "started"


def test_detection_can_be_switched_off(channel, account):
    arrivals = Arrivals(channel)
    configure(account, auto_detect=False)
    arrivals.add(NOW - dt.timedelta(minutes=2), 50)
    assert surge.do_check_surges(now=NOW) == {}


def test_ends_once_volume_stays_back_at_the_forecast(channel, account):
    arrivals = Arrivals(channel)
    arrivals.history(per_hour=8)
    configure(account, calm_minutes=30)
    arrivals.add(NOW - dt.timedelta(minutes=5), 30)
    assert surge.do_check_surges(now=NOW) == {account.pk: "started"}
    # Still busy 10 minutes later (the 30 are in the window): stays on.
    assert surge.check_account(account_id=account.pk, now=NOW + dt.timedelta(minutes=9)) is None
    # The window empties: calm from here...
    calm = NOW + dt.timedelta(minutes=20)
    assert surge.check_account(account_id=account.pk, now=calm) is None
    assert surge.open_surge(account.pk).calm_since == calm
    # ...a burst resets the calm spell...
    arrivals.add(calm + dt.timedelta(minutes=5), 15)
    burst = calm + dt.timedelta(minutes=6)
    assert surge.check_account(account_id=account.pk, now=burst) is None
    assert surge.open_surge(account.pk).calm_since is None
    # ...then calm again, for the full 30 minutes.
    quiet = burst + dt.timedelta(minutes=15)
    assert surge.check_account(account_id=account.pk, now=quiet) is None
    assert surge.check_account(account_id=account.pk, now=quiet + dt.timedelta(minutes=29)) is None
    end = quiet + dt.timedelta(minutes=30)
    assert surge.check_account(account_id=account.pk, now=end) == "ended"
    ended = Surge.objects.get()
    assert ended.ended_at == end and ended.ended_by_user is None
    assert Event.objects.get(name="staffing.surge_ended").payload["ended_by"] == "auto"


def test_a_surge_started_by_hand_ends_by_hand(channel, account, admin_user):
    configure(account)
    client = login(admin_user)
    response = client.post(reverse("staffing:surge_start"), {"reason": "Listing at 11:00"})
    assert response.status_code == 302
    started = surge.open_surge(account.pk)
    assert started.started_by == "agent" and started.started_by_user == admin_user
    assert started.reason == "Listing at 11:00"
    # No arrivals at all: detection leaves a surge an admin started alone.
    later = started.started_at + dt.timedelta(hours=3)
    assert surge.check_account(account_id=account.pk, now=later) is None
    assert surge.open_surge(account.pk) is not None
    assert client.post(reverse("staffing:surge_end")).status_code == 302
    ended = Surge.objects.get()
    assert ended.ended_at is not None and ended.ended_by_user == admin_user
    event = Event.objects.get(name="staffing.surge_ended")
    assert event.payload["ended_by"] == "agent" and event.actor_id == admin_user.pk


def test_only_admins_manage_surge_mode(channel, account, agent):
    client = login(agent)
    assert client.post(reverse("staffing:surge_start")).status_code == 403
    assert client.get(reverse("staffing:surge")).status_code == 403
    assert not Surge.objects.exists()
    csrf = Client(enforce_csrf_checks=True)
    csrf.login(username=agent.username, password=PASSWORD)
    assert csrf.post(reverse("staffing:surge_start")).status_code == 403


def test_start_needs_the_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    assert client.login(username=admin_user.username, password=PASSWORD)
    assert client.post(reverse("staffing:surge_start")).status_code == 403
    assert not Surge.objects.exists()


def test_settings_page_saves_and_validates(account, admin_user):
    client = login(admin_user)
    page = client.get(reverse("staffing:surge"))
    assert page.status_code == 200 and b"surge-start" in page.content
    data = {
        "auto_detect": "on",
        "factor": "3",
        "min_arrivals": "25",
        "window_minutes": "10",
        "calm_minutes": "45",
        "aht_seconds": "240",
        "incident_answer_en": "Withdrawals are paused while we fix a node.",
        "incident_answer_zh": "提现暂停，我们正在修复节点。",
        "widget_notice_en": "We are handling an incident.",
        "widget_notice_zh": "我们正在处理一起事件。",
    }
    assert client.post(reverse("staffing:surge"), data).status_code == 302
    saved = SurgeSettings.objects.get(account=account)
    assert (saved.factor, saved.min_arrivals, saved.calm_minutes) == (3.0, 25, 45)
    bad = client.post(reverse("staffing:surge"), {**data, "factor": "1"})
    assert bad.status_code == 400 and b"error-factor" in bad.content
    assert SurgeSettings.objects.get(account=account).factor == 3.0


def test_console_banner_only_during_a_surge(channel, account, admin_user, agent):
    client = login(agent)
    inbox = reverse("workspace:inbox")
    assert b'data-testid="surge-banner"' not in client.get(inbox).content
    surge.do_start_surge(account_id=account.pk, by=admin_user, reason="<b>BTC node down</b>")
    page = client.get(inbox).content.decode()
    assert 'data-testid="surge-banner"' in page
    assert "&lt;b&gt;BTC node down&lt;/b&gt;" in page  # escaped
    surge.do_end_surge(account_id=account.pk, by=admin_user)
    assert b'data-testid="surge-banner"' not in client.get(inbox).content


def test_widget_notice_during_a_surge_in_the_visitor_language(channel, account, admin_user):
    configure(account, widget_notice_en="Incident: <slow withdrawals>", widget_notice_zh="提现较慢")
    frame = reverse("widget:frame", kwargs={"public_token": channel.public_token})
    client = Client()
    assert b'data-testid="surge-notice"' not in client.get(frame, {"lang": "en"}).content
    surge.do_start_surge(account_id=account.pk, by=admin_user, reason="")
    page = client.get(frame, {"lang": "en"}).content.decode()
    assert 'data-testid="surge-notice">Incident: &lt;slow withdrawals&gt;</div>' in page
    assert "提现较慢" in client.get(frame, {"lang": "zh-CN"}).content.decode()
    surge.do_end_surge(account_id=account.pk, by=admin_user)
    assert b'data-testid="surge-notice"' not in client.get(frame, {"lang": "en"}).content


@pytest.mark.django_db(transaction=True)
def test_leads_are_alerted_by_the_consumer(channel, account, admin_user, agent):
    Arrivals(channel).add(NOW, 1)
    surge.do_start_surge(account_id=account.pk, by=None, reason="48 new conversations")
    mail.outbox.clear()
    drain("notifications.surge_alerts", expect=1)
    assert [m.to for m in mail.outbox] == [[admin_user.email]]  # leads, not every agent
    assert "48 new conversations" in mail.outbox[0].body


def test_wait_estimate(channel, account, agent):
    configure(account, aht_seconds=300, window_minutes=15)
    arrivals = Arrivals(channel)
    # Nobody replied lately: no honest figure.
    assert surge.wait_estimate_seconds(account_id=account.pk, now=NOW) is None
    case = Conversation.objects.create(
        account=account, inbox=channel.inbox, contact=arrivals.contact, display_id=1
    )
    case.messages.create(sender_type="agent", sender_user=agent, content="hi")
    now = dt.datetime.now(dt.UTC)
    # 1 agent, 2 arrivals per 15 min = 8/h × 300 s = 0.67 erlang: Erlang C ASA = 600 s.
    arrivals.add(now - dt.timedelta(minutes=1), 1)
    assert surge.wait_estimate_seconds(account_id=account.pk, now=now) == pytest.approx(600.0)
    # 10 more: the one agent cannot keep up, so the open unassigned cases ahead count.
    arrivals.add(now - dt.timedelta(minutes=1), 10)
    waiting = Conversation.objects.filter(account=account, assignee__isnull=True).count()
    assert surge.wait_estimate_seconds(account_id=account.pk, now=now) == waiting * 300.0
    assert surge.wait_text(600.0, "en") == "The wait for a person is about 10 minutes."
    assert surge.wait_text(None, "en").startswith("We cannot estimate")


def test_incident_reply_only_during_a_surge(channel, account, admin_user):
    configure(account, incident_answer_en="Deposits are delayed.", incident_answer_zh="")
    assert surge.incident_reply(account_id=account.pk, language="en") is None
    surge.do_start_surge(account_id=account.pk, by=admin_user, reason="")
    reply = surge.incident_reply(account_id=account.pk, language="zh-hans")
    # No Chinese text written: the English one rather than nothing.
    assert reply is not None and reply.startswith("Deposits are delayed.")
    surge.do_end_surge(account_id=account.pk, by=admin_user)
    assert surge.incident_reply(account_id=account.pk, language="en") is None


def test_the_forecast_hour_is_the_accounts_local_hour_across_dst(channel, account):
    """New York: the same Wednesday 10:00 on the account's clock is 15:00 UTC before the
    DST change (March 8) and 14:00 UTC after it. The forecast counts local hours, so the
    two past weeks' 10:00 arrivals forecast this week's 10:00 hour."""
    from blockdesk.sla.models import BusinessHours

    BusinessHours.objects.create(account=account, time_zone="America/New_York")
    arrivals = Arrivals(channel)
    arrivals.add(dt.datetime(2026, 2, 25, 15, 10, tzinfo=dt.UTC), 6)  # 10:10 EST
    arrivals.add(dt.datetime(2026, 3, 4, 15, 10, tzinfo=dt.UTC), 6)  # 10:10 EST
    now = dt.datetime(2026, 3, 11, 14, 30, tzinfo=dt.UTC)  # 10:30 EDT
    assert surge.expected_per_hour(account_id=account.pk, now=now) == pytest.approx(6)
    # 15:30 UTC is 11:30 on the account's clock: nothing arrived at 11 in the past weeks.
    later = dt.datetime(2026, 3, 11, 15, 30, tzinfo=dt.UTC)
    assert surge.expected_per_hour(account_id=account.pk, now=later) == pytest.approx(0)
