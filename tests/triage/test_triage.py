"""Triage on the database: the score and reasons of a real case, the priority it raises
(and an agent's word over it), the consumer on the event log, rules and their timeline
line, and the periodic rescoring of waiting cases. Controlled clocks throughout."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from blockdesk.accounts.models import Team
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, ConversationEvent, Message
from blockdesk.triage import services
from blockdesk.triage.models import TriageRule, TriageRuleFiring, TriageScore
from blockdesk.triage.reasons import reason_texts
from blockdesk.workspace.selectors import describe_event
from tests.events.support import drain
from tests.triage.conftest import write

pytestmark = pytest.mark.django_db
DRAINS = pytest.mark.django_db(transaction=True)
CONSUMER = "triage.scores"
LOST = "I sent 12000 USDT on tron to the wrong address, please help, it was my savings"


@pytest.fixture
def prices(admin_user):
    return services.do_update_settings(
        actor=admin_user,
        reference_prices={"usdt": "1", "BTC": "60000"},
        reference_currency="usd",
        vip_tiers=["VIP"],
        urgent_at=60,
        high_at=30,
        set_priority=True,
    )


def _texts(row: TriageScore) -> list[str]:
    with translation.override("en"):
        return reason_texts(row.reasons)


def test_a_case_is_scored_with_its_reasons(channel, contact, prices):
    contact.attributes = {"tier": "vip"}
    contact.save()
    message = write(channel, contact, LOST)
    case = message.conversation
    later = message.created_at + dt.timedelta(minutes=40)
    row = services.do_triage(conversation_id=case.pk, now=later)
    assert row is not None
    texts = _texts(row)
    assert "funds at stake ≈ 12,000 USDT" in texts
    assert "VIP (vip)" in texts
    assert "waiting 40 min" in texts
    assert row.score >= 45 and row.computed_at == later
    case.refresh_from_db()
    assert case.priority == Conversation.Priority.HIGH
    assert row.applied_priority == Conversation.Priority.HIGH
    [event] = ConversationEvent.objects.filter(conversation=case, kind="priority_changed")
    assert event.actor is None and event.data["by"] == "triage"


def test_an_exposed_seed_phrase_is_a_reason(channel, contact, prices):
    words = (
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
        "abandon about"
    )
    case = write(channel, contact, f"my seed is {words} is my wallet safe?").conversation
    row = services.do_triage(conversation_id=case.pk)
    assert row is not None and "security: seed phrase exposed" in _texts(row)
    assert Conversation.objects.get(pk=case.pk).priority == Conversation.Priority.URGENT


def test_an_agent_who_lowers_the_priority_is_not_overruled(channel, contact, agent, prices):
    message = write(channel, contact, LOST)
    case = message.conversation
    start = message.created_at
    services.do_triage(conversation_id=case.pk, now=start + dt.timedelta(minutes=40))
    case.refresh_from_db()
    assert case.priority == Conversation.Priority.HIGH
    conv_services.do_change_priority(actor=agent, conversation=case, priority="normal")
    services.do_triage(conversation_id=case.pk, now=start + dt.timedelta(minutes=45))
    assert Conversation.objects.get(pk=case.pk).priority == Conversation.Priority.NORMAL
    # Worse than what triage had set: raised again.
    write(channel, contact, "and now my account was hacked", conversation=case)
    services.do_triage(conversation_id=case.pk, now=start + dt.timedelta(minutes=50))
    assert Conversation.objects.get(pk=case.pk).priority == Conversation.Priority.URGENT


def test_set_priority_off_leaves_the_priority(channel, contact, admin_user):
    services.do_update_settings(
        actor=admin_user,
        reference_prices={"USDT": "1"},
        reference_currency="USD",
        vip_tiers=[],
        urgent_at=60,
        high_at=30,
        set_priority=False,
    )
    message = write(channel, contact, LOST)
    row = services.do_triage(
        conversation_id=message.conversation_id, now=message.created_at + dt.timedelta(hours=5)
    )
    assert row is not None and row.score >= 30 and row.applied_priority is None
    assert Conversation.objects.get(pk=message.conversation_id).priority == 2


def test_an_answer_stops_the_waiting(channel, contact, agent, prices):
    message = write(channel, contact, "hello")
    case = message.conversation
    conv_services.do_send_agent_message(agent=agent, conversation=case, content="Hi!")
    row = services.do_triage(
        conversation_id=case.pk, now=message.created_at + dt.timedelta(hours=2)
    )
    assert row is not None and not any(r["code"] == "waiting" for r in row.reasons)


@DRAINS
def test_the_consumer_scores_on_each_event(channel, contact, agent, prices):
    case = write(channel, contact, "hello").conversation
    drain(CONSUMER, expect=2)
    assert TriageScore.objects.get(conversation=case).score == 0
    write(channel, contact, LOST, conversation=case)
    drain(CONSUMER, expect=1)
    row = TriageScore.objects.get(conversation=case)
    assert any(r["code"] == "funds_at_stake" for r in row.reasons)
    # Complexity grows with the back-and-forth.
    conv_services.do_send_agent_message(agent=agent, conversation=case, content="Which tx?")
    write(channel, contact, "my tx hash: 0x" + "ab" * 32 + " on ethereum", conversation=case)
    drain(CONSUMER, expect=2)
    row.refresh_from_db()
    codes = {r["code"] for r in row.reasons}
    assert {"transactions", "chains"} <= codes


def test_resolved_cases_keep_their_last_score(channel, contact, agent, prices):
    case = write(channel, contact, LOST).conversation
    services.do_triage(conversation_id=case.pk)
    before = TriageScore.objects.get(conversation=case).computed_at
    conv_services.do_change_status(actor=agent, conversation=case, status="resolved")
    assert services.do_triage(conversation_id=case.pk) is None
    assert TriageScore.objects.get(conversation=case).computed_at == before


def test_waiting_cases_are_rescored_periodically(channel, contact, prices):
    message = write(channel, contact, "hello")
    start = message.created_at
    services.do_triage(conversation_id=message.conversation_id, now=start)
    assert services.do_rescore_waiting(now=start + dt.timedelta(minutes=1)) == 0
    assert services.do_rescore_waiting(now=start + dt.timedelta(minutes=31)) == 1
    row = TriageScore.objects.get(conversation_id=message.conversation_id)
    assert _texts(row) == ["waiting 31 min"]


# --- rules ---------------------------------------------------------------------------


@DRAINS
def test_a_rule_fires_once_and_says_so_on_the_timeline(channel, contact, admin_user, prices):
    team = Team.objects.create(account=admin_user.account, name="Security")
    rule = services.do_save_rule(
        actor=admin_user,
        rule=None,
        name="Stolen funds",
        enabled=True,
        position=1,
        conditions={"keyword": ["Stolen"], "amount_gte": "1000"},
        actions={"priority": "urgent", "team_id": team.pk, "tags": ["theft", "Security"]},
    )
    quiet = write(channel, contact, "my funds were stolen").conversation  # no amount
    drain(CONSUMER, expect=2)
    assert not TriageRuleFiring.objects.exists()

    write(channel, contact, "it was 5000 USDT", conversation=quiet)
    drain(CONSUMER, expect=1)
    case = Conversation.objects.get(pk=quiet.pk)
    assert case.priority == Conversation.Priority.URGENT and case.team_id == team.pk
    assert sorted(t.name for t in case.tags.all()) == ["security", "theft"]
    [firing] = TriageRuleFiring.objects.filter(rule=rule)
    assert firing.applied["tags"] == ["theft", "security"]
    [line] = ConversationEvent.objects.filter(conversation=case, kind=services.RULE_KIND)
    with translation.override("en"):
        text = describe_event(line)
    assert text.startswith("Triage rule “Stolen funds” set priority urgent; team Security")

    # Once per case: an agent's change is not undone by the next event.
    conv_services.do_set_tags(actor=None, conversation=case, names=[])
    write(channel, contact, "still stolen, 5000 USDT", conversation=case)
    drain(CONSUMER, expect=1)
    assert TriageRuleFiring.objects.count() == 1
    assert not Conversation.objects.get(pk=case.pk).tags.exists()


@DRAINS
def test_disabled_and_other_accounts_rules_do_not_fire(
    channel, contact, admin_user, other_account, prices
):
    services.do_save_rule(
        actor=admin_user,
        rule=None,
        name="Off",
        enabled=False,
        position=0,
        conditions={"keyword": ["hello"]},
        actions={"tags": ["off"]},
    )
    TriageRule.objects.create(
        account=other_account, name="Theirs", conditions={"keyword": ["hello"]},
        actions={"tags": ["theirs"]},
    )  # fmt: skip
    case = write(channel, contact, "hello").conversation
    drain(CONSUMER, expect=2)
    assert not Conversation.objects.get(pk=case.pk).tags.exists()


def test_rules_are_validated(admin_user, agent):
    from blockdesk.common.errors import Forbidden, ValidationFailed

    good = {"conditions": {"keyword": ["x"]}, "actions": {"tags": ["y"]}}
    with pytest.raises(Forbidden):
        services.do_save_rule(actor=agent, rule=None, name="n", enabled=True, position=0, **good)
    for conditions, actions, field in (
        ({}, {"tags": ["y"]}, "conditions"),
        ({"keyword": ["x"]}, {}, "actions"),
        ({"mood": ["furious"]}, {"tags": ["y"]}, "conditions"),
        ({"keyword": ["x"]}, {"priority": "asap"}, "actions"),
        ({"keyword": ["x"]}, {"team_id": 999_999}, "team_id"),
        ({"amount_gte": "-1"}, {"tags": ["y"]}, "conditions"),
    ):
        with pytest.raises(ValidationFailed) as info:
            services.do_save_rule(
                actor=admin_user,
                rule=None,
                name="n",
                enabled=True,
                position=0,
                conditions=conditions,
                actions=actions,
            )
        assert field in info.value.fields
    services.do_save_rule(actor=admin_user, rule=None, name="n", enabled=True, position=0, **good)
    with pytest.raises(ValidationFailed) as info:
        services.do_save_rule(
            actor=admin_user, rule=None, name="n", enabled=True, position=0, **good
        )
    assert "name" in info.value.fields


def test_prices_are_validated(admin_user):
    from blockdesk.common.errors import ValidationFailed

    for prices in ({"BTC": "-1"}, {"BTC": "abc"}, {"B T C": "1"}, {"BTC": "Infinity"}):
        with pytest.raises(ValidationFailed):
            services.check_prices(prices)
    assert services.check_prices({" eth ": "3000.50"}) == {"ETH": "3000.5"}


@DRAINS
def test_messages_are_not_rescored_by_their_own_changes(channel, contact, prices):
    """Triage's priority and tag changes emit events; it does not listen to them, so a
    case is scored once per customer event, not in a loop."""
    case = write(channel, contact, LOST).conversation
    drain(CONSUMER, expect=2)
    first = TriageScore.objects.get(conversation=case).computed_at
    assert drain(CONSUMER) == 0
    assert TriageScore.objects.get(conversation=case).computed_at == first
    assert Message.objects.filter(conversation=case).count() == 1
    assert timezone.now() >= first
