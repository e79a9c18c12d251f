"""The console pages (settings for admins, results scoped to the agent's inboxes, CSV),
the opt-in public figures page (cached) and the REST endpoints with their scopes."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from blockdesk.accounts.services import do_create_api_token
from blockdesk.conversations.models import Contact
from blockdesk.surveys import nps, selectors, services
from blockdesk.surveys.models import CsatOffer, NpsResponse, NpsSurvey
from tests.conftest import PASSWORD
from tests.support.live_server import fresh_cache_namespace
from tests.surveys.support import configure, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_cache(settings):  # type: ignore[no-untyped-def]
    fresh_cache_namespace(settings)


def rated(agent, conversation, score: int, comment: str = "") -> CsatOffer:  # type: ignore[no-untyped-def]
    offer = services.do_send_survey_now(actor=agent, conversation=conversation)
    services.do_rate(offer=offer, score=score, comment=comment, via="link")
    return offer


@pytest.fixture
def answers(account, channel, contact, agent, admin_user):  # type: ignore[no-untyped-def]
    """Three rated cases in the agent's inbox, one unanswered, one in an inbox the agent
    cannot see, and NPS answers 10, 8, 3."""
    from blockdesk.connectors.services import do_create_web_widget_inbox

    configure(account.pk, low_rating_action="nothing")
    for score, comment in ((5, "=HYPERLINK(evil)"), (4, ""), (2, "slow")):
        rated(agent, open_case(contact=contact, inbox=channel.inbox), score, comment)
    services.do_send_survey_now(
        actor=agent, conversation=open_case(contact=contact, inbox=channel.inbox)
    )
    hidden = do_create_web_widget_inbox(account=account, name="VIP", members=[admin_user])
    rated(admin_user, open_case(contact=contact, inbox=hidden.inbox), 1, "secret vip complaint")
    for n, score in enumerate((10, 8, 3)):
        person = Contact.objects.create(account=account, email=f"p{n}@example.com")
        survey = NpsSurvey.objects.create(
            account=account,
            contact=person,
            sent_at=CsatOffer.objects.first().sent_at,  # type: ignore[union-attr]
        )
        nps.do_answer_nps(survey=survey, score=score, reason=f"reason {score}")
    NpsSurvey.objects.create(
        account=account, contact=contact, sent_at=CsatOffer.objects.first().sent_at
    )  # type: ignore[union-attr]


def test_figures_by_who_asks(answers, account, agent, admin_user):
    mine = selectors.figures(account_id=account.pk, days=30, user=agent)
    assert (mine.csat_offers, mine.csat_responses, mine.csat_response_rate) == (4, 3, 75)
    assert mine.distribution == {5: 1, 4: 1, 2: 1}
    assert mine.csat_average == round((5 + 4 + 2) / 3, 2) and mine.csat_satisfied_pct == 67
    everything = selectors.figures(account_id=account.pk, days=30, user=admin_user)
    assert (everything.csat_offers, everything.csat_responses) == (5, 4)
    assert (mine.promoters, mine.passives, mine.detractors, mine.nps) == (1, 1, 1, 0)
    assert (mine.nps_sent, mine.nps_responses, mine.nps_response_rate) == (4, 3, 75)


def test_settings_page_is_for_admins(account, agent, admin_user):
    client = Client()
    client.login(username=agent.username, password=PASSWORD)
    assert client.get("/app/surveys/settings/").status_code == 403
    assert client.post("/app/surveys/settings/", {"csat_delay_minutes": "1"}).status_code == 403
    client.login(username=admin_user.username, password=PASSWORD)
    assert client.get("/app/surveys/settings/").status_code == 200
    form = {
        "csat_enabled": "on",
        "csat_delay_minutes": "45",
        "csat_scale": "emoji",
        "low_rating_threshold": "2",
        "low_rating_action": "reopen",
        "nps_interval_days": "90",
        "nps_active_days": "30",
        "followup_days": "3",
        "followup_tags": "Withdrawal-Delay, security",
        "followup_intents": "",
        "followup_message": "",
        "publish_figures": "on",
    }
    assert client.post("/app/surveys/settings/", form).status_code == 302
    row = services.settings_for(account.pk)
    assert (row.csat_delay_minutes, row.csat_scale, row.low_rating_action) == (
        45,
        "emoji",
        "reopen",
    )
    assert row.followup_tags == ["security", "withdrawal-delay"] and row.publish_figures
    bad = client.post("/app/surveys/settings/", {**form, "low_rating_threshold": "5"})
    assert bad.status_code == 400
    assert services.settings_for(account.pk).low_rating_threshold == 2


def test_results_page_and_csv_are_scoped(answers, agent):
    client = Client()
    client.login(username=agent.username, password=PASSWORD)
    page = client.get("/app/surveys/?days=30")
    assert page.status_code == 200
    body = page.content.decode()
    assert "slow" in body and "secret vip complaint" not in body and "reason 3" in body
    export = client.get("/app/surveys/export.csv?days=90")
    assert export.status_code == 200
    rows = list(
        csv.reader(io.StringIO(b"".join(export.streaming_content).decode().lstrip("\ufeff")))
    )
    assert rows[0][0] == "survey"
    csat = [r for r in rows[1:] if r[0] == "csat"]
    assert sorted(int(r[5]) for r in csat) == [2, 4, 5]
    assert "'=HYPERLINK(evil)" in [r[7] for r in csat]  # no formula runs in a spreadsheet
    assert len([r for r in rows[1:] if r[0] == "nps"]) == 3
    assert Client().get("/app/surveys/").status_code == 302  # login first


def test_public_figures_only_when_published_and_cached(answers, account):
    config = services.settings_for(account.pk)
    client = Client()
    url = f"/survey/results/{config.public_id}/"
    assert client.get(url).status_code == 404
    config.publish_figures = True
    config.save()
    page = client.get(url)
    assert page.status_code == 200 and "public" in page["Cache-Control"]
    html = page.content.decode()
    assert 'data-testid="figures-30"' in html and 'data-testid="figures-90"' in html
    assert "3.0 / 5" in html  # (5 + 4 + 2 + 1) / 4, every inbox
    assert "slow" not in html and "csrfmiddlewaretoken" not in html  # aggregates only
    assert "<script" not in html.split("</main>")[0]
    # Cached: a new answer shows after the cache time, not at once.
    NpsResponse.objects.all().delete()
    assert client.get(url).content.decode() == html
    assert client.get("/survey/results/nope/").status_code == 404


def _api(admin_user, scopes):  # type: ignore[no-untyped-def]
    _token, plain = do_create_api_token(actor=admin_user, name="t", scopes=scopes)
    return {"Authorization": f"Bearer {plain}"}


def test_api_figures_answers_and_actions(answers, account, channel, contact, admin_user):
    read = _api(admin_user, ["conversations:read"])
    client = Client()
    figures = client.get("/api/v1/surveys/figures?days=90", headers=read)
    assert figures.status_code == 200
    data = figures.json()
    assert data["csat"]["responses"] == 4 and data["nps"]["nps"] == 0
    assert client.get("/api/v1/surveys/figures?days=0", headers=read).status_code == 422
    listed = client.get("/api/v1/surveys/answers", headers=read).json()
    assert {a["survey"] for a in listed} == {"csat", "nps"} and len(listed) == 7
    assert client.get("/api/v1/surveys/figures").status_code == 401

    case = open_case(contact=contact, inbox=channel.inbox)
    denied = client.post(f"/api/v1/conversations/{case.pk}/survey/skip", headers=read)
    assert denied.status_code == 403
    write = _api(admin_user, ["conversations:read", "conversations:write"])
    skipped = client.post(f"/api/v1/conversations/{case.pk}/survey/skip", headers=write)
    assert skipped.status_code == 200 and skipped.json()["offer"]["status"] == "skipped"
    sent = client.post(f"/api/v1/conversations/{case.pk}/survey/send", headers=write)
    assert sent.status_code == 200 and sent.json()["offer"]["status"] == "sent"
    again = client.post(f"/api/v1/conversations/{case.pk}/survey/send", headers=write)
    assert again.status_code == 409
    got = client.get(f"/api/v1/conversations/{case.pk}/survey", headers=read).json()
    assert got["offer"]["source"] == "manual" and got["offer"]["score"] is None


def test_api_cannot_reach_another_accounts_case(other_account, admin_user):
    from blockdesk.connectors.services import do_create_web_widget_inbox

    foreign_inbox = do_create_web_widget_inbox(account=other_account, name="X", members=[])
    foreign_contact = Contact.objects.create(account=other_account, name="Z")
    case = open_case(contact=foreign_contact, inbox=foreign_inbox.inbox)
    write = _api(admin_user, ["conversations:read", "conversations:write"])
    assert (
        Client().post(f"/api/v1/conversations/{case.pk}/survey/send", headers=write).status_code
        == 404
    )
    assert not CsatOffer.objects.filter(conversation=case).exists()
