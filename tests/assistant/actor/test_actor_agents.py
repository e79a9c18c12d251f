"""The agents' side: corrections become training data, the settings page, the training
commands, and the per-intent figures."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from blockdesk.assistant import engine, selectors
from blockdesk.assistant.models import AssistantSettings, AssistantTurn, Correction
from blockdesk.assistant.nlu.model import IntentModel
from blockdesk.assistant.training_sources import (
    account_sources,
    conversation_examples,
    correction_examples,
)
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message
from tests.assistant.actor.helpers import quick_reply

pytestmark = pytest.mark.django_db(transaction=True)


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _answer(customer, text: str) -> Message:
    response = customer.send(text)
    conv = Conversation.objects.get(pk=response.json()["conversation"]["id"])
    return Message.objects.filter(conversation=conv, sender_type="assistant").latest("id")


def test_agent_correction_becomes_training_data(assistant_channel, customer, agent, outsider):
    reply = _answer(customer, "How long does a withdrawal take to arrive?")
    wrong = reply.metadata["assistant"]["article_key"]
    right = "withdrawal-limits" if wrong != "withdrawal-limits" else "withdrawal-fees"
    url = f"/app/assistant/messages/{reply.pk}/correction"

    # An agent without access to the inbox does not learn the message exists.
    denied = _login(outsider).post(url, {"correct_key": right}, HTTP_ACCEPT="application/json")
    assert denied.status_code == 404
    bogus = _login(agent).post(
        url, {"correct_key": "no-such-article"}, HTTP_ACCEPT="application/json"
    )
    assert bogus.status_code == 422 and bogus.json()["error"]["fields"]["correct_key"]

    response = _login(agent).post(url, {"correct_key": right}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    correction = Correction.objects.get()
    assert (correction.wrong_key, correction.correct_key) == (wrong, right)
    assert correction.question == "How long does a withdrawal take to arrive?"
    assert AssistantTurn.objects.get(reply=reply).outcome == "corrected"
    reply.refresh_from_db()
    assert reply.metadata["assistant"]["corrected_to"] == right

    account_id = assistant_channel.inbox.account_id
    examples = correction_examples(account_id=account_id)
    assert [(e.text, e.intent) for e in examples] == [(correction.question, right)]
    # ... and `assistant train` learns from it (with the KB).
    merged = [e for source in account_sources(account_id=account_id) for e in source()]
    assert any(e.text == correction.question and e.intent == right for e in merged)
    # Correcting again replaces the agent's earlier choice rather than piling up.
    _login(agent).post(url, {"correct_key": "withdrawal-fees"}, HTTP_ACCEPT="application/json")
    assert Correction.objects.get().correct_key == "withdrawal-fees"


def test_a_secret_in_an_old_question_is_not_copied_into_training_data(
    assistant_channel, customer, agent
):
    phrase = "abandon ability able about above absent absorb abstract absurd abuse access accident"
    reply = _answer(customer, "How long does a withdrawal take to arrive?")
    # A row stored before the guard had this rule: written around the services.
    turn = AssistantTurn.objects.get(reply=reply)
    Message.objects.filter(pk=turn.message_id).update(content=f"withdrawal? my seed: {phrase}")
    wrong = reply.metadata["assistant"]["article_key"]
    right = "withdrawal-limits" if wrong != "withdrawal-limits" else "withdrawal-fees"
    url = f"/app/assistant/messages/{reply.pk}/correction"
    response = _login(agent).post(url, {"correct_key": right}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    question = Correction.objects.get().question
    assert question.startswith("withdrawal? my ") and "REDACTED" in question
    assert "abandon" not in question and "accident" not in question


def test_article_options_for_the_correction_picker(assistant_channel, customer, agent, outsider):
    reply = _answer(customer, "My withdrawal has been pending for hours")
    url = f"/app/assistant/messages/{reply.pk}/articles"
    response = _login(agent).get(url, HTTP_ACCEPT="application/json")
    keys = [a["key"] for a in response.json()["articles"]]
    assert len(keys) == 55 and "withdrawal-pending" in keys
    assert _login(outsider).get(url, HTTP_ACCEPT="application/json").status_code == 404


def test_resolved_conversations_with_an_article_link_are_training_data(
    assistant_channel, agent, contact
):
    inbox = assistant_channel.inbox
    AssistantSettings.objects.filter(inbox=inbox).update(enabled=False)
    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=inbox, conversation=None, content="my coins went to the wrong chain"
    )
    conv = sent.message.conversation
    conv_services.do_send_agent_message(
        agent=agent,
        conversation=conv,
        content="Please see https://help.example.com/help/en/deposits/deposit-sent-on-wrong-network/",
    )
    conv_services.do_change_status(actor=agent, conversation=conv, status="resolved")
    examples = conversation_examples(account_id=inbox.account_id)
    assert [(e.text, e.intent) for e in examples] == [
        ("my coins went to the wrong chain", "deposit-wrong-network")
    ]


def test_settings_page_is_for_admins_and_saves(assistant_channel, admin_user, agent, settings):
    # The model server below is on loopback: allowed only by the operator's setting.
    settings.ASSISTANT_ALLOW_PRIVATE_MODEL_URL = True
    inbox = assistant_channel.inbox
    url = f"/app/settings/assistant/{inbox.pk}/"
    assert _login(agent).get(url).status_code == 403
    client = _login(admin_user)
    page = client.get(url)
    assert page.status_code == 200
    assert "转人工" in page.content.decode()
    index = client.get("/app/settings/assistant/")
    assert index.status_code == 200 and inbox.name in index.content.decode()

    data = {
        "enabled": "on",
        "risk_profile": "custom",
        "answer_threshold": "0.6",
        "clarify_threshold": "0.25",
        "resolution_timeout_minutes": "15",
        "business_timezone": "Asia/Shanghai",
        "business_days": ["0", "1", "2", "3", "4", "5"],
        "business_start": "08:00",
        "business_end": "20:00",
        "generative_timeout": "5",
        "generative_url": "",
        "generative_model": "",
        "generative_api_key": "",
        "keywords_en": "human\nmanager please",
        "keywords_zh-hans": "人工\n转人工",
        "greeting_en": "Hello from Example!",
        "greeting_zh-hans": "",
        "out_of_hours_en": "",
        "out_of_hours_zh-hans": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    config = AssistantSettings.objects.get(inbox=inbox)
    assert config.answer_threshold == 0.6 and config.resolution_timeout_minutes == 15
    assert config.handoff_keywords["en"] == ["human", "manager please"]
    assert config.greeting == {"en": "Hello from Example!"}
    assert config.business_timezone == "Asia/Shanghai"

    # Clarify above answer, and an unknown time zone, are refused with field errors.
    bad = client.post(url, {**data, "clarify_threshold": "0.9", "business_timezone": "Mars/Base"})
    assert bad.status_code == 400
    assert "clarifying threshold" in bad.content.decode()

    # The API key is stored encrypted and never rendered back.
    client.post(
        url,
        {
            **data,
            "generative_enabled": "on",
            "generative_url": "http://127.0.0.1:9/v1",
            "generative_model": "m",
            "generative_api_key": "sk-test-123",
        },
    )
    config.refresh_from_db()
    assert config.generative_api_key == "sk-test-123"
    assert "sk-test-123" not in client.get(url).content.decode()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT generative_api_key FROM assistant_assistantsettings")
        assert "sk-test-123" not in cursor.fetchone()[0]


def test_train_command_builds_the_account_model(assistant_channel, tmp_path, settings):
    settings.ASSISTANT_MODEL_DIR = str(tmp_path)
    account_id = assistant_channel.inbox.account_id
    out = StringIO()
    call_command("assistant", "train", "--account", str(account_id), stdout=out)
    assert "55 intents" in out.getvalue()
    path = engine.model_path(account_id)
    assert path.exists()
    engine.forget_models()
    model = engine.get_model(account_id)
    assert isinstance(model, IntentModel)
    assert model.predict("my withdrawal is stuck").intent == "withdrawal-pending"


def test_export_training_matches_the_kb(tmp_path: Path):
    out = tmp_path / "kb.csv"
    call_command("assistant", "export-training", "--out", str(out), stdout=StringIO())
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    # The 55 starter articles, and the shipped out-of-scope examples (nlu/data).
    assert len({r["category"] for r in rows} - {"oos"}) == 55
    assert any(r["category"] == "oos" for r in rows)
    assert {"text", "category"} == set(rows[0])
    assert any(
        r["text"] == "充错链了怎么办" and r["category"] == "deposit-wrong-network" for r in rows
    )


def test_intent_stats_count_deflection_and_handoffs(assistant_channel, customer):

    solved = _answer(customer, "My withdrawal has been pending for hours")
    quick_reply(customer, solved.pk, "solved")
    other = type(customer)(assistant_channel, ip="198.51.100.20").start()
    unhelpful = _answer(other, "why is my withdrawal still processing")
    quick_reply(other, unhelpful.pk, "more_help")
    stats = {
        s.intent: s for s in selectors.intent_stats(account_id=assistant_channel.inbox.account_id)
    }
    row = stats["withdrawal-pending"]
    assert (row.answered, row.resolved, row.handed_off) == (2, 1, 1)
    assert row.deflection_rate == 0.5


def test_workspace_shows_article_and_confidence(assistant_channel, customer, agent):
    reply = _answer(customer, "My withdrawal has been pending for hours")
    conv = reply.conversation
    client = _login(agent)
    page = client.get(f"/app/c/{conv.display_id}/").content.decode()
    assert "data-assistant-meta" in page
    assert reply.metadata["assistant"]["article_title"] in page
    confidence = round(reply.metadata["assistant"]["confidence"] * 100)
    assert f"confidence {confidence}%" in page
    assert f"/app/assistant/messages/{reply.pk}/correction" in page
    updates = client.get(
        f"/app/c/{conv.display_id}/updates.json?after_message=0&after_event=0",
        HTTP_ACCEPT="application/json",
    ).json()
    # The live payload carries the same facts for app.js.
    (item,) = [i for i in updates["items"] if i.get("type") == "message" and i["id"] == reply.pk]
    assert item["assistant"]["article_key"] == "withdrawal-pending"
    assert item["assistant"]["correct_url"].endswith(f"/{reply.pk}/correction")


def test_training_every_account_skips_one_with_too_little_content(
    assistant_channel, tmp_path, settings
):
    """`assistant train` with no --account trains each account; a new account with one
    article (the demo's partner wallet) is reported and skipped instead of failing all."""
    from blockdesk.accounts.models import Account

    settings.ASSISTANT_MODEL_DIR = str(tmp_path)
    empty = Account.objects.create(name="Brand New Wallet")
    out = StringIO()
    call_command("assistant", "train", stdout=out)
    text = out.getvalue()
    assert f"account {empty.pk}: skipped (" in text
    assert engine.model_path(assistant_channel.inbox.account_id).exists()
    assert not engine.model_path(empty.pk).exists()
    with pytest.raises(Exception, match="two in-scope intents"):
        call_command("assistant", "train", "--account", str(empty.pk), stdout=StringIO())
