"""NPS on a schedule (controlled clock; a real SMTP server on loopback) and the follow-up
check-in N days after resolution, through the real event log and services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from blockdesk.common.email_url import SMTP_BACKEND
from blockdesk.common.errors import Conflict
from blockdesk.conversations.models import Contact, Conversation, ConversationEvent, Message
from blockdesk.surveys import followup, nps
from blockdesk.surveys.event_consumers import CONSUMER
from blockdesk.surveys.models import CaseIntent, FollowUp, NpsResponse, NpsSurvey
from blockdesk.trust.services import do_set_anti_phishing_code
from tests.support.event_log import drain
from tests.support.live_server import free_port, fresh_cache_namespace
from tests.surveys.support import configure, open_case, set_status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _own_cache(settings: Any) -> None:
    fresh_cache_namespace(settings)


def text_of(message: Any) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_classification_and_figure() -> None:
    assert [nps.classify(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]
    assert nps.nps_figure(0, 0, 0) is None
    assert nps.nps_figure(6, 2, 2) == 40
    assert nps.nps_figure(1, 0, 3) == -50


def test_nps_goes_to_active_customers_at_most_once_per_interval(smtp, channel, account):
    configure(account.pk, nps_enabled=True, nps_interval_days=90, nps_active_days=30)
    active = Contact.objects.create(account=account, name="Ann", email="ann@example.com")
    do_set_anti_phishing_code(contact=active, code="Green Owl 7")
    no_email = Contact.objects.create(account=account, name="Ben")
    idle = Contact.objects.create(account=account, name="Cy", email="cy@example.com")
    open_case(contact=active, inbox=channel.inbox)
    open_case(contact=no_email, inbox=channel.inbox)
    old = open_case(contact=idle, inbox=channel.inbox)
    Conversation.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=45))

    now = timezone.now()
    assert nps.do_run_nps(now=now) == 1
    assert [rcpt for rcpt, _m in smtp.messages] == [["ann@example.com"]]
    body = text_of(smtp.messages[0][1])
    assert "Green Owl 7" in body and "/survey/nps/" in body
    assert body.index("Green Owl 7") < body.index("/survey/nps/")  # the code comes first

    # The daily pass: not again the same day, and once per 90 days per contact.
    assert nps.do_run_nps(now=now + dt.timedelta(hours=1)) == 0
    assert nps.do_run_nps(now=now + dt.timedelta(days=1, minutes=1)) == 0
    open_case(contact=active, inbox=channel.inbox, text="again")
    assert nps.do_run_nps(now=now + dt.timedelta(days=2)) == 0
    # 90 days on, still active (a case in the last 30 days): asked again.
    Conversation.objects.filter(contact=active).update(created_at=now + dt.timedelta(days=85))
    assert nps.do_run_nps(now=now + dt.timedelta(days=91)) == 1
    assert NpsSurvey.objects.filter(contact=active).count() == 2


def test_nps_disabled_sends_nothing(smtp, channel, account, contact):
    open_case(contact=contact, inbox=channel.inbox)
    assert nps.do_run_nps() == 0 and smtp.messages == []


def test_nps_answer_once_on_the_signed_page(smtp, channel, account, contact):
    configure(account.pk, nps_enabled=True)
    open_case(contact=contact, inbox=channel.inbox)
    nps.do_run_nps()
    survey = NpsSurvey.objects.get(contact=contact)
    url = nps.survey_url(survey)
    path = url[url.index("/survey/") :]
    client = Client()
    assert client.get(path + "?score=9").status_code == 200
    assert client.post(path, {"score": "11"}).status_code == 422
    response = client.post(path, {"score": "9", "reason": "Fast answers"})
    assert response.status_code == 200
    answer = NpsResponse.objects.get(survey=survey)
    assert (answer.score, answer.reason) == (9, "Fast answers")
    assert client.post(path, {"score": "0"}).status_code == 409
    with pytest.raises(Conflict):
        nps.do_answer_nps(survey=survey, score=3)
    # A CSAT token is no NPS token.
    from blockdesk.surveys import tokens

    csat_like = tokens.csat_token(offer_id=survey.pk, conversation_id=contact.pk)
    assert client.get(f"/survey/nps/{csat_like}/").status_code == 404


def test_nps_send_failure_is_recorded(settings, channel, account, contact):
    configure(account.pk, nps_enabled=True)
    open_case(contact=contact, inbox=channel.inbox)
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    assert nps.do_run_nps() == 0
    assert NpsSurvey.objects.get(contact=contact).status == "failed"


def test_followup_n_days_after_resolution_for_chosen_tags(channel, contact, agent):
    from blockdesk.conversations import services as conv_services

    configure(
        channel.inbox.account_id,
        csat_enabled=False,
        followup_enabled=True,
        followup_days=3,
        followup_tags=["withdrawal-delay"],
        followup_message="Case #%(number)s: did your withdrawal arrive?",
    )
    case = open_case(contact=contact, inbox=channel.inbox)
    conv_services.do_set_tags(actor=agent, conversation=case, names=["withdrawal-delay"])
    other = open_case(contact=contact, inbox=channel.inbox, text="a question")
    set_status(case, "resolved", actor=agent)
    set_status(other, "resolved", actor=agent)
    item = FollowUp.objects.get()
    assert item.conversation_id == case.pk and item.reason == {
        "tags": ["withdrawal-delay"],
        "intents": [],
    }
    assert abs(item.due_at - (case.resolved_at + dt.timedelta(days=3))) < dt.timedelta(seconds=1)
    assert followup.do_send_due_followups(now=item.due_at - dt.timedelta(minutes=1)) == 0
    assert followup.do_send_due_followups(now=item.due_at) == 1
    assert followup.do_send_due_followups(now=item.due_at + dt.timedelta(days=1)) == 0
    item.refresh_from_db()
    message = Message.objects.get(pk=item.message_id)
    assert message.sender_type == "system"
    assert message.content == f"Case #{case.display_id}: did your withdrawal arrive?"
    event = ConversationEvent.objects.get(conversation=case, kind="followup_sent")
    assert event.data["days"] == 3
    assert not ConversationEvent.objects.filter(conversation=other, kind="followup_sent").exists()


def test_followup_by_intent_and_cancelled_by_reopening(channel, contact, agent):
    configure(
        channel.inbox.account_id,
        csat_enabled=False,
        followup_enabled=True,
        followup_days=2,
        followup_intents=["security-incident"],
    )
    case = open_case(contact=contact, inbox=channel.inbox)
    CaseIntent.objects.create(conversation=case, intent="security-incident")
    set_status(case, "resolved", actor=agent)
    item = FollowUp.objects.get(conversation=case)
    assert item.reason["intents"] == ["security-incident"]
    set_status(case, "open", actor=agent)
    item.refresh_from_db()
    assert item.status == "cancelled"
    assert followup.do_send_due_followups(now=timezone.now() + dt.timedelta(days=5)) == 0


def test_intents_are_read_from_the_assistants_events(channel, contact):
    from django.db import transaction

    from blockdesk.events.registry import Actor, Subject
    from blockdesk.events.services import emit

    case = open_case(contact=contact, inbox=channel.inbox)
    with transaction.atomic():
        emit(
            account_id=case.account_id,
            name="assistant.answered",
            payload={
                "conversation_id": case.pk,
                "turn_id": 1,
                "message_id": 1,
                "reply_id": 2,
                "kind": "article",
                "article_ids": [],
                "article_keys": ["withdrawal-delay"],
                "language": "en",
            },
            actor=Actor.assistant(),
            subject=Subject("conversation", case.pk),
        )
    drain(CONSUMER)
    assert list(CaseIntent.objects.values_list("intent", flat=True)) == ["withdrawal-delay"]
