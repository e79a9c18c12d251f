"""The assistant, end to end through the widget API and the event log, does not pretend
all is well: with an incident open on deposits, a customer asking about a deposit hears
about it first (then the usual answer or hand-off); the same question after the incident
is resolved gets no notice. And "what changed?" is answered from the update log."""

from __future__ import annotations

import pytest

from blockdesk.announcements import services as announcements
from blockdesk.assistant.models import AssistantTurn
from blockdesk.conversations.models import Message
from blockdesk.statuspage import services
from tests.assistant.actor.conftest import (  # noqa: F401  (fixtures used by name)
    assistant_channel,
    assistant_env,
    customer,
    starter_model_dir,
)
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db(transaction=True)


def assistant_says(conversation_id: int) -> list[str]:
    return list(
        Message.objects.filter(conversation_id=conversation_id, sender_type="assistant")
        .order_by("id")
        .values_list("content", flat=True)
    )


def test_open_incident_is_told_then_not_after_resolution(
    admin_user,
    assistant_channel,  # noqa: F811
    customer,  # noqa: F811
) -> None:
    deposits = services.do_create_component(
        actor=admin_user, key="deposits", name="Deposits", topics=["deposit"]
    )
    incident = services.do_open_incident(
        actor=admin_user,
        title="Delayed BTC deposits",
        body="Deposits are delayed by ~1 hour.",
        component_ids=[deposits.pk],
    )
    sent = customer.send("My deposit has not arrived yet")
    said = assistant_says(sent.json()["conversation"]["id"])
    assert said and "Delayed BTC deposits" in said[0] and "delayed by ~1 hour" in said[0]
    assert len(said) >= 2  # and it went on with the usual answer or hand-off
    services.do_post_update(actor=admin_user, incident=incident, status="resolved", body="Done.")
    other = Visitor(assistant_channel).start()
    again = assistant_says(
        other.send("My deposit has not arrived yet").json()["conversation"]["id"]
    )
    assert again and not any("Delayed BTC deposits" in s for s in again)


def test_what_changed_is_answered_from_the_update_log(admin_user, customer) -> None:  # noqa: F811
    post = announcements.do_save_post(
        actor=admin_user,
        category="listing",
        versions={"en": {"title": "Now listing XYZ", "summary": "Trade XYZ/USDT.", "body": "Yes."}},
    )
    announcements.do_publish_post(actor=admin_user, post=post)
    sent = customer.send("Hi, what's new?")
    said = assistant_says(sent.json()["conversation"]["id"])
    assert said and "Now listing XYZ" in said[-1] and "/changelog/en/" in said[-1]
    turn = AssistantTurn.objects.get(conversation_id=sent.json()["conversation"]["id"])
    assert turn.intent == "notice:changes" and turn.action == "answer"
