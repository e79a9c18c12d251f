"""CSAT after resolution, through the real event log and services: the delay (controlled
clock), reopen cancels, skip and manual send, the signed single-use rating link (tampered,
foreign, expired and replayed links refused), the widget's card endpoint, low ratings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from blockdesk.common.errors import Conflict, NotFound
from blockdesk.conversations.models import ConversationEvent, Message
from blockdesk.surveys import services, tokens
from blockdesk.surveys.models import CsatOffer, CsatResponse
from blockdesk.widget import services as widget_services
from tests.conftest import PASSWORD
from tests.support.live_server import fresh_cache_namespace
from tests.surveys.support import configure, open_case, set_status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _own_cache(settings):  # type: ignore[no-untyped-def]
    fresh_cache_namespace(settings)


@pytest.fixture
def case(channel, contact):  # type: ignore[no-untyped-def]
    configure(channel.inbox.account_id, csat_delay_minutes=30)
    return open_case(contact=contact, inbox=channel.inbox)


def kinds(conversation) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        ConversationEvent.objects.filter(conversation=conversation).values_list("kind", flat=True)
    )


def resolved_offer(case, agent) -> CsatOffer:  # type: ignore[no-untyped-def]
    set_status(case, "resolved", actor=agent)
    return CsatOffer.objects.get(conversation=case)


def sent_offer(case, agent) -> CsatOffer:  # type: ignore[no-untyped-def]
    offer = resolved_offer(case, agent)
    assert services.do_send_due_offers(now=offer.due_at) == 1
    offer.refresh_from_db()
    return offer


def test_offer_waits_for_the_delay_then_goes_out_as_a_system_message(case, agent):
    offer = resolved_offer(case, agent)
    case.refresh_from_db()
    assert offer.status == "scheduled" and offer.source == "auto"
    # The delay counts from the resolution (the event's time), 30 minutes here.
    assert offer.due_at == case.resolved_at + dt.timedelta(minutes=30) or (
        abs((offer.due_at - case.resolved_at) - dt.timedelta(minutes=30)) < dt.timedelta(seconds=1)
    )
    assert services.do_send_due_offers(now=offer.due_at - dt.timedelta(seconds=1)) == 0
    assert services.do_send_due_offers(now=offer.due_at) == 1
    assert services.do_send_due_offers(now=offer.due_at + dt.timedelta(hours=1)) == 0  # once
    offer.refresh_from_db()
    assert offer.status == "sent" and offer.sent_at == offer.sent_at
    message = Message.objects.get(pk=offer.message_id)
    assert message.sender_type == "system" and not message.is_private
    assert message.metadata == {"public": {"csat": {"offer_id": offer.pk, "scale": "five"}}}
    assert "/survey/rate/" in message.content
    assert "csat_offered" in kinds(case)
    case.refresh_from_db()
    assert case.status == "resolved"  # the survey does not reopen the case


def test_redelivered_resolution_does_not_schedule_twice(case, agent):
    from blockdesk.events.models import Event
    from blockdesk.surveys.event_consumers import on_event

    resolved_offer(case, agent)
    event = Event.objects.filter(name="conversation.status_changed").order_by("-id").first()
    on_event(event)  # handed out again (a replay)
    assert CsatOffer.objects.filter(conversation=case).count() == 1


def test_reopening_cancels_and_a_new_resolution_schedules_again(case, agent):
    first = resolved_offer(case, agent)
    set_status(case, "open", actor=agent)
    first.refresh_from_db()
    assert first.status == "cancelled"
    set_status(case, "resolved", actor=agent)
    offers = CsatOffer.objects.filter(conversation=case).order_by("id")
    assert [o.status for o in offers] == ["cancelled", "scheduled"]
    # Sent once: a third resolution after the survey went out asks nothing more.
    assert services.do_send_due_offers(now=offers[1].due_at) == 1
    set_status(case, "open", actor=agent)
    set_status(case, "resolved", actor=agent)
    assert CsatOffer.objects.filter(conversation=case).exclude(status="cancelled").count() == 1


def test_disabled_surveys_schedule_nothing(case, agent):
    configure(case.account_id, csat_enabled=False)
    set_status(case, "resolved", actor=agent)
    assert not CsatOffer.objects.filter(conversation=case).exists()


def test_agent_skips_the_survey_before_and_after_resolution(case, agent):
    offer = services.do_skip_survey(actor=agent, conversation=case)
    assert offer.status == "skipped"
    set_status(case, "resolved", actor=agent)
    assert list(CsatOffer.objects.filter(conversation=case).values_list("status", flat=True)) == [
        "skipped"
    ]
    assert services.do_send_due_offers(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert "csat_skipped" in kinds(case)


def test_skip_after_sending_is_refused(case, agent):
    sent_offer(case, agent)
    with pytest.raises(Conflict):
        services.do_skip_survey(actor=agent, conversation=case)


def test_manual_send_cancels_the_waiting_offer(case, agent):
    waiting = resolved_offer(case, agent)
    manual = services.do_send_survey_now(actor=agent, conversation=case)
    waiting.refresh_from_db()
    assert waiting.status == "cancelled"
    assert manual.status == "sent" and manual.source == "manual" and manual.by == agent
    with pytest.raises(Conflict):  # a double click does not ask twice
        services.do_send_survey_now(actor=agent, conversation=case)


def test_console_actions_need_access_to_the_case(case, agent, outsider, admin_user):
    client = Client()
    client.login(username=outsider.username, password=PASSWORD)
    url = f"/app/surveys/conversations/{case.pk}/skip"
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 404
    assert not CsatOffer.objects.filter(conversation=case).exists()
    client.login(username=agent.username, password=PASSWORD)
    response = client.post(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["status"] == "skipped"
    response = client.post(
        f"/app/surveys/conversations/{case.pk}/send", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "sent"
    # The console card shows the state.
    page = client.get(f"/app/c/{case.display_id}/")
    assert page.status_code == 200 and b'data-testid="survey-card"' in page.content


def test_rating_page_records_once_and_refuses_a_replay(case, agent):
    offer = sent_offer(case, agent)
    client = Client()
    url = services.rating_url(offer).split("example.com", 1)[-1]
    url = url[url.index("/survey/") :]
    page = client.get(url + "?score=4")
    assert page.status_code == 200
    assert b'value="4" required checked' in page.content
    assert not CsatResponse.objects.exists()  # opening the link records nothing

    response = client.post(url, {"score": "4", "comment": "Quick and clear"})
    assert response.status_code == 200 and b"survey-done" in response.content
    answer = CsatResponse.objects.get(offer=offer)
    assert (answer.score, answer.comment, answer.via) == (4, "Quick and clear", "link")
    assert "csat_rated" in kinds(case)

    replay = client.post(url, {"score": "1", "comment": "changed my mind"})
    assert replay.status_code == 409
    answer.refresh_from_db()
    assert answer.score == 4  # the first answer stands
    with pytest.raises(Conflict):
        services.do_rate(offer=offer, score=2, via="link")


def test_tampered_foreign_and_expired_links_are_refused(case, agent, contact, channel, monkeypatch):
    offer = sent_offer(case, agent)
    token = tokens.csat_token(offer_id=offer.pk, conversation_id=offer.conversation_id)
    client = Client()
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/survey/rate/{tampered}/").status_code == 404
    # A validly signed token naming this offer with another conversation (moved to a case
    # it was not sent for) is refused: the offer and the case must match.
    other = open_case(contact=contact, inbox=channel.inbox, text="another")
    foreign = tokens.csat_token(offer_id=offer.pk, conversation_id=other.pk)
    assert client.get(f"/survey/rate/{foreign}/").status_code == 404
    # An NPS token is no CSAT token (the salts differ).
    nps_like = tokens.nps_token(survey_id=offer.pk, contact_id=offer.conversation_id)
    assert client.get(f"/survey/rate/{nps_like}/").status_code == 404
    # Expired: signed 31 days ago with a 30-day validity.
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 31 * 86400)
    old = tokens.csat_token(offer_id=offer.pk, conversation_id=offer.conversation_id)
    monkeypatch.setattr(signing.time, "time", real_time)
    assert client.get(f"/survey/rate/{old}/").status_code == 404
    with pytest.raises(NotFound):
        services.offer_from_token(old)
    assert client.get(f"/survey/rate/{token}/").status_code == 200
    assert not CsatResponse.objects.exists()


@pytest.mark.usefixtures("steady_rate_window")
def test_rating_page_is_rate_limited(case, agent, settings):
    settings.SURVEYS_PUBLIC_RATE_LIMIT = 3  # one fixed minute: tests/conftest.py
    offer = sent_offer(case, agent)
    token = tokens.csat_token(offer_id=offer.pk, conversation_id=offer.conversation_id)
    client = Client()
    codes = [client.get(f"/survey/rate/{token}/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_invalid_scores_are_refused(case, agent):
    offer = sent_offer(case, agent)
    configure(case.account_id, csat_scale="thumbs")
    for bad in ("0", "6", "x", ""):
        response = Client().post(
            f"/survey/rate/{tokens.csat_token(offer_id=offer.pk, conversation_id=case.pk)}/",
            {"score": bad},
        )
        assert response.status_code == 422
    assert not CsatResponse.objects.exists()


def test_thumbs_scale_accepts_only_up_or_down(channel, contact, agent):
    configure(channel.inbox.account_id, csat_scale="thumbs", csat_delay_minutes=0)
    case = open_case(contact=contact, inbox=channel.inbox)
    offer = sent_offer(case, agent)
    assert offer.scale == "thumbs"
    from blockdesk.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.do_rate(offer=offer, score=3, via="link")
    assert services.do_rate(offer=offer, score=5, via="link").score == 5


def test_low_rating_reopens_when_so_configured(case, agent):
    configure(case.account_id, low_rating_threshold=2, low_rating_action="reopen")
    offer = sent_offer(case, agent)
    services.do_rate(offer=offer, score=2, comment="Still not arrived", via="link")
    case.refresh_from_db()
    assert case.status == "open"
    low = ConversationEvent.objects.get(conversation=case, kind="csat_low")
    assert low.data == {"score": 2, "action": "reopen"}


def test_low_rating_flags_for_a_lead_and_a_good_one_does_nothing(channel, contact, agent):
    configure(channel.inbox.account_id, low_rating_threshold=3, low_rating_action="flag")
    case = open_case(contact=contact, inbox=channel.inbox)
    offer = sent_offer(case, agent)
    services.do_rate(offer=offer, score=3, via="widget")
    case.refresh_from_db()
    assert case.status == "resolved"
    assert [t.name for t in case.tags.all()] == ["csat-low"]

    good_case = open_case(contact=contact, inbox=channel.inbox, text="other")
    good = sent_offer(good_case, agent)
    services.do_rate(offer=good, score=4, via="widget")
    good_case.refresh_from_db()
    assert not good_case.tags.exists() and "csat_low" not in kinds(good_case)


def test_widget_card_rates_only_the_visitors_own_offer(channel, contact, agent):
    configure(channel.inbox.account_id, csat_delay_minutes=0)
    session, token = widget_services.do_start_visitor_session(channel=channel, locale="en")
    case = open_case(contact=session.contact, inbox=channel.inbox)
    offer = sent_offer(case, agent)
    url = f"/survey/widget/{channel.public_token}/rate"
    _stranger, stranger_token = widget_services.do_start_visitor_session(
        channel=channel, locale="en"
    )
    client = Client()
    denied = client.post(
        url,
        {"offer_id": offer.pk, "score": 5},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {stranger_token}",
    )
    assert denied.status_code == 404
    assert (
        client.post(
            url, {"offer_id": offer.pk, "score": 5}, content_type="application/json"
        ).status_code
        == 401
    )
    ok = client.post(
        url,
        {"offer_id": offer.pk, "score": 5, "comment": "谢谢"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert ok.status_code == 201 and ok.json() == {"offer_id": offer.pk, "score": 5}
    again = client.post(
        url,
        {"offer_id": offer.pk, "score": 1},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert again.status_code == 409
    assert CsatResponse.objects.get(offer=offer).via == "widget"


def test_comment_secrets_are_redacted(case, agent):
    offer = sent_offer(case, agent)
    seed = "abandon " * 11 + "about"
    answer = services.do_rate(offer=offer, score=1, comment=f"my words {seed}", via="link")
    assert "abandon abandon" not in answer.comment


def test_a_signed_in_agent_cannot_rate_in_the_customers_place(case, agent):
    offer = sent_offer(case, agent)
    client = Client()
    client.login(username=agent.username, password=PASSWORD)
    token = tokens.csat_token(offer_id=offer.pk, conversation_id=case.pk)
    response = client.post(f"/survey/rate/{token}/", {"score": "5"})
    assert response.status_code == 403
    assert not CsatResponse.objects.exists()
    assert Client().post(f"/survey/rate/{token}/", {"score": "5"}).status_code == 200


def test_a_low_rating_alerts_the_cases_team_leads(channel, contact, agent, account, mailoutbox):
    """The flag is for a lead: the leads of the case's team are alerted on their console
    and by email (the notifications app's consumer of `surveys.low_rating`); other members
    and the administrators are not."""
    from blockdesk.accounts.models import Team
    from blockdesk.accounts.services import do_create_agent
    from blockdesk.conversations.models import Conversation
    from blockdesk.events.models import Event
    from tests.support.event_log import drain

    lead = do_create_agent(
        account=account, username="lena", email="lena@example.com", password=PASSWORD
    )
    team = Team.objects.create(account=account, name="Payments")
    team.members.add(lead, through_defaults={"is_lead": True})
    team.members.add(agent)
    configure(account.pk, low_rating_threshold=2, low_rating_action="flag")
    case = open_case(contact=contact, inbox=channel.inbox)
    Conversation.objects.filter(pk=case.pk).update(team=team)
    case.refresh_from_db()
    offer = sent_offer(case, agent)
    mailoutbox.clear()
    services.do_rate(offer=offer, score=1, comment="Useless", via="link")
    event = Event.objects.get(name="surveys.low_rating")
    assert event.payload == {
        "conversation_id": case.pk,
        "score": 1,
        "action": "flag",
        "team_id": team.pk,
    }
    assert drain("notifications.lead_alerts") >= 1
    assert [m.to for m in mailoutbox] == [["lena@example.com"]]
    assert "Low satisfaction rating (1/5)" in mailoutbox[0].subject


def test_a_low_rating_without_a_team_lead_alerts_the_administrators(
    channel, contact, agent, admin_user, mailoutbox
):
    from tests.support.event_log import drain

    configure(channel.inbox.account_id, low_rating_threshold=2, low_rating_action="flag")
    case = open_case(contact=contact, inbox=channel.inbox)
    offer = sent_offer(case, agent)
    mailoutbox.clear()
    services.do_rate(offer=offer, score=2, via="widget")
    assert drain("notifications.lead_alerts") >= 1
    assert [m.to for m in mailoutbox] == [[admin_user.email]]
