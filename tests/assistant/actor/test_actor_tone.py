"""The assistant's tone (assistant/tone.py, fed by triage from the mood app): an angry or
distressed customer's reply opens with an apology, an angry one goes to a person at once."""

from __future__ import annotations

import pytest

from blockdesk.assistant import tone
from blockdesk.assistant.models import AssistantTurn
from blockdesk.assistant.phrases import phrase
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message
from blockdesk.mood.models import MessageMood
from blockdesk.triage.tone import mood_tone
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "My withdrawal has been pending for hours"
APOLOGY = phrase("apology", "en")


def _ask(customer: Visitor, text: str) -> Conversation:
    response = customer.send(text)
    return Conversation.objects.get(pk=response.json()["conversation"]["id"])


def _reply(conv: Conversation) -> Message:
    return Message.objects.filter(
        conversation=conv, sender_type="assistant", is_private=False
    ).latest("id")


def test_triage_registers_the_mood_as_a_tone_hint():
    assert mood_tone in tone.TONE_HINTS


def test_the_mood_hint_reads_the_latest_message(channel, contact):
    angry = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None,
        content="You are scammers, this is a disgrace, I am furious!!",
    ).message  # fmt: skip
    conv = angry.conversation
    hint = mood_tone(conv, angry)  # not scored yet by the mood consumer: scored here
    assert hint is not None and hint.apologise and hint.hand_off
    calm = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=conv, content="Thanks, all good now"
    ).message
    hint = mood_tone(conv, calm)
    assert hint is not None and not hint.apologise and not hint.hand_off
    # A stored score wins over the text.
    MessageMood.objects.create(
        account_id=conv.account_id, conversation=conv, message=calm, label="negative",
        score=-0.9, emotions={"anger": 0.9}, language="en", created_at=calm.created_at,
    )  # fmt: skip
    hint = mood_tone(conv, calm)
    assert hint is not None and hint.apologise and hint.hand_off


def test_an_angry_customer_gets_an_apology_and_a_person(assistant_channel, customer):
    conv = _ask(customer, "THIS IS RIDICULOUS, WHERE IS MY WITHDRAWAL?!")
    reply = _reply(conv)
    assert reply.content.startswith(APOLOGY)
    assert reply.metadata["assistant"]["apologised"] is True
    turn = AssistantTurn.objects.get(conversation=conv)
    assert (turn.action, turn.handoff_reason) == ("handoff", "mood")


def test_a_hint_to_apologise_keeps_the_answer(assistant_channel, customer, monkeypatch):
    monkeypatch.setattr(tone, "TONE_HINTS", [lambda c, m: tone.ToneHint(apologise=True)])
    conv = _ask(customer, QUESTION)
    reply = _reply(conv)
    assert reply.content.startswith(APOLOGY)
    assert AssistantTurn.objects.get(conversation=conv).action == "answer"


def test_a_hint_to_hand_off_hands_off(assistant_channel, customer, monkeypatch):
    monkeypatch.setattr(tone, "TONE_HINTS", [lambda c, m: tone.ToneHint(hand_off=True)])
    conv = _ask(customer, QUESTION)
    turn = AssistantTurn.objects.get(conversation=conv)
    assert (turn.action, turn.handoff_reason) == ("handoff", "mood")
    assert not _reply(conv).content.startswith(APOLOGY)


def test_a_calm_customer_gets_no_apology_and_a_failing_hint_is_ignored(
    assistant_channel, customer, monkeypatch
):
    def broken(c: Conversation, m: Message) -> tone.ToneHint:
        raise RuntimeError("boom")

    monkeypatch.setattr(tone, "TONE_HINTS", [broken, mood_tone])
    conv = _ask(customer, QUESTION)
    assert AssistantTurn.objects.get(conversation=conv).action == "answer"
    assert not _reply(conv).content.startswith(APOLOGY)
