"""Settings → Staffing on controlled history: arrivals come from the conversations' created
times in the lead's time zone; only administrators see it; bad input is a 400."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blockdesk.conversations import services as conv
from blockdesk.conversations.models import Contact, Conversation, Message
from blockdesk.staffing import selectors
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def conversation_at(channel, account, when: dt.datetime, *, handled_seconds: int | None = None):
    contact = Contact.objects.create(account=account, name="c")
    sent = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hello"
    )
    case = sent.message.conversation
    Conversation.objects.filter(pk=case.pk).update(created_at=when)
    if handled_seconds is not None:
        agent_id = channel.inbox.members.first().pk
        first = Message.objects.create(
            conversation=case, sender_type="agent", sender_user_id=agent_id, content="a"
        )
        last = Message.objects.create(
            conversation=case, sender_type="agent", sender_user_id=agent_id, content="b"
        )
        Message.objects.filter(pk=first.pk).update(created_at=when + dt.timedelta(minutes=1))
        Message.objects.filter(pk=last.pk).update(
            created_at=when + dt.timedelta(minutes=1, seconds=handled_seconds)
        )
        Conversation.objects.filter(pk=case.pk).update(
            status="resolved", resolved_at=when + dt.timedelta(hours=1)
        )
    return case


def test_hourly_arrivals_in_the_local_time_zone(channel, account, admin_user):
    channel.inbox.members.add(admin_user)
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    # Three cases in one local hour, one two hours later.
    base = now - dt.timedelta(hours=5)
    for minutes in (1, 20, 59):
        conversation_at(channel, account, base + dt.timedelta(minutes=minutes))
    conversation_at(channel, account, base + dt.timedelta(hours=2, minutes=5))
    history = selectors.hourly_arrivals(
        user=admin_user, since=now - dt.timedelta(days=7), until=now, tz=shanghai
    )
    assert history.counts == [3.0, 0.0, 1.0, 0.0, 0.0]
    local = base.astimezone(shanghai)
    assert history.first_hour_of_week == local.weekday() * 24 + local.hour


def test_handle_time_is_measured_per_channel(channel, account, admin_user):
    channel.inbox.members.add(admin_user)
    start = timezone.now() - dt.timedelta(days=2)
    for seconds in (100, 200, 900):
        conversation_at(channel, account, start, handled_seconds=seconds)
    measured = selectors.handle_seconds_by_channel(
        user=admin_user, since=start - dt.timedelta(days=1), until=timezone.now()
    )
    assert measured == {channel.inbox.channel_kind: 260.0}  # median 200 + one reply (60)


def test_page_plans_the_week(channel, account, admin_user):
    channel.inbox.members.add(admin_user)
    now = timezone.now()
    for day in range(1, 4):
        conversation_at(channel, account, now - dt.timedelta(days=day), handled_seconds=120)
    response = login(admin_user).get(
        reverse("staffing:week"),
        {
            "weeks": 2,
            "service_level": 0.8,
            "answer_within_seconds": 20,
            "shrinkage": 0.3,
            "concurrency": 1,
            "time_zone": "UTC",
            "scheduled": ",".join(["1"] * 24),
        },
    )
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    data = json.loads(html.split('id="staffing-data" type="application/json">')[1].split("<")[0])
    assert len(data["labels"]) == len(data["needed"]) == len(data["scheduled"]) == 168
    # One case a day for three days: the hour-of-day average gives one a day, 7 a week.
    assert response.context["forecast"].method == "daily_average"
    assert sum(data["arrivals"]) == pytest.approx(7.0, abs=0.01)
    assert response.context["aht_source"] == "measured"
    assert response.context["aht_seconds"] == 180.0
    assert 'src="/static/vendor/chartjs/chart.umd.min.js"' in html or "chart.umd.min" in html
    assert "<script>" not in html  # no inline script under the CSP


def test_first_visit_uses_the_defaults(admin_user):
    response = login(admin_user).get(reverse("staffing:week"))
    assert response.status_code == 200
    assert response.context["forecast"].method == "none"
    assert response.context["aht_source"] == "default"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scheduled", "1,2,3"),
        ("scheduled", "a,b"),
        ("service_level", "1.5"),
        ("time_zone", "Mars/Olympus"),
        ("aht_seconds", "0"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin_user, field, value):
    params = {"weeks": 4, "service_level": 0.8, "answer_within_seconds": 20, "shrinkage": 0.3,
              "concurrency": 1, field: value}  # fmt: skip
    response = login(admin_user).get(reverse("staffing:week"), params)
    assert response.status_code == 400
    assert f'data-testid="error-{field}"' in response.content.decode()


def test_only_administrators(agent):
    response = login(agent).get(reverse("staffing:week"))
    assert response.status_code == 403
    anonymous = Client().get(reverse("staffing:week"))
    assert anonymous.status_code == 302


def test_the_page_counts_in_the_accounts_time_zone_by_default(channel, account, admin_user):
    from blockdesk.sla.models import BusinessHours

    BusinessHours.objects.create(account=account, time_zone="Asia/Shanghai")
    channel.inbox.members.add(admin_user)
    # 20:30 UTC on a Monday is Tuesday 04:30 in Shanghai.
    monday = timezone.now() - dt.timedelta(days=timezone.now().weekday() + 7)
    when = monday.replace(hour=20, minute=30, second=0, microsecond=0)
    conversation_at(channel, account, when)
    params = {
        "weeks": 2,
        "service_level": 0.8,
        "answer_within_seconds": 20,
        "shrinkage": 0.3,
        "concurrency": 1,
        "time_zone": "",
    }
    response = login(admin_user).get(reverse("staffing:week"), params)
    assert response.status_code == 200, response.content[:500]
    assert response.context["form"].cleaned_data["time_zone"].key == "Asia/Shanghai"
    assert 'placeholder="Asia/Shanghai"' in response.content.decode()
    forecast = response.context["forecast"]
    assert forecast.method == "seasonal_average"
    # Tuesday 04:00 local (hour of week 24 + 4) has the arrival, not Monday 20:00 (UTC's).
    assert forecast.arrivals[28] > 0 and forecast.arrivals[20] == 0


def test_a_saved_schedule_is_the_pages_default_until_changed(admin_user, agent):
    from blockdesk.events.models import Event
    from blockdesk.staffing.models import StaffingSchedule

    client = login(admin_user)
    day = ",".join(["2"] * 8 + ["5"] * 10 + ["3"] * 6)
    assert b'data-testid="save-schedule"' not in client.get(reverse("staffing:week")).content
    saved = client.post(reverse("staffing:save_schedule"), {"scheduled": day})
    assert saved.status_code == 302
    schedule = StaffingSchedule.objects.get(account=admin_user.account)
    assert schedule.hours == ([2] * 8 + [5] * 10 + [3] * 6) * 7
    event = Event.objects.get(name="staffing.schedule_saved")
    assert event.payload == {"agent_hours": sum(schedule.hours)}
    # The first visit now compares the plan with the saved week.
    first = client.get(reverse("staffing:week"))
    assert first.status_code == 200
    assert first.context["chart"]["scheduled"] == schedule.hours
    assert first.context["schedule_saved"] is True
    assert b'data-testid="save-schedule"' in first.content
    # Bad input saves nothing and says why; agents cannot save.
    bad = client.post(reverse("staffing:save_schedule"), {"scheduled": "1,2,3"}, follow=True)
    assert "24 or 168" in bad.content.decode()
    assert StaffingSchedule.objects.get().hours == schedule.hours
    refused = login(agent).post(reverse("staffing:save_schedule"), {"scheduled": day})
    assert refused.status_code == 403
    assert Event.objects.filter(name="staffing.schedule_saved").count() == 1
