"""Query-count guards on the assistant's hot path (issue 17): what the actor runs for a
customer's first message it answers, and for a follow-up it hands to a person. No
savepoints: the conversation services join the actor's transaction, and the case's state
is created with ON CONFLICT DO NOTHING."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blockdesk.assistant import tasks
from blockdesk.assistant.models import AssistantTurn
from blockdesk.assistant.phrases import phrase
from blockdesk.conversations.models import Message
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

# Today's counts (SQLite and PostgreSQL alike): a new statement on this path must be
# one someone chose to add.
ANSWER_MAX = 16
HANDOFF_MAX = 27


def _stored(visitor: Visitor, text: str, conversation_id: int | None = None) -> int:
    sent = visitor.send(text, conversation_id=conversation_id)
    assert sent.status_code == 201, sent.content
    return int(sent.json()["message"]["id"])


def _watched(message_id: int) -> list[str]:
    with CaptureQueriesContext(connection) as seen:
        tasks.handle_customer_messages.call([message_id])
    return [q["sql"] for q in seen.captured_queries]


@pytest.fixture
def quiet(settings, assistant_channel) -> Visitor:
    """The actor runs when the test says (not on each commit); warmed up by another
    customer's case (the model and the index loaded)."""
    settings.EVENT_INLINE_CONSUMERS = ()
    warm = Visitor(assistant_channel, ip="203.0.113.90").start()
    tasks.handle_customer_messages.call([_stored(warm, "How long does a withdrawal take?")])
    return Visitor(assistant_channel, ip="203.0.113.91").start()


def test_an_answer_runs_no_savepoint_and_few_statements(quiet):
    first = _stored(quiet, "I sent USDT on the wrong network 3301")
    statements = _watched(first)
    turn = AssistantTurn.objects.get(message_id=first)
    assert turn.action == "answer" and turn.reply_id is not None
    assert not [s for s in statements if "SAVEPOINT" in s.upper()], statements
    # The turn is stored once its reply is sent: one INSERT, no UPDATE of its reply.
    assert not [s for s in statements if s.startswith('UPDATE "assistant_assistantturn"')]
    # The case's state was created by this task: no turn can exist, none is looked for.
    assert not [s for s in statements if s.startswith('SELECT 1 FROM "assistant_assistantturn"')]
    # Nor was the state looked for first: the assistant had never answered in the case.
    state_reads = [s for s in statements if 'FROM "assistant_assistantconversation"' in s]
    assert not [s for s in state_reads if s.startswith("SELECT")], state_reads
    # A retried task for the same message finds its turn and does nothing.
    again = _watched(first)
    assert [s for s in again if s.startswith('SELECT 1 FROM "assistant_assistantturn"')]
    assert AssistantTurn.objects.filter(message_id=first).count() == 1
    assert len(statements) <= ANSWER_MAX, "\n".join(statements)


def test_a_group_reads_settings_surge_incidents_and_moods_once(quiet, assistant_channel):
    """A flood's task: what every message asks the same (the inbox's settings, an open
    surge, an open incident, an article) is read once for the group, not once per
    message, and the messages' moods in one statement."""
    customers = [Visitor(assistant_channel, ip=f"203.0.113.{i}").start() for i in (101, 102, 103)]
    ids = [_stored(c, "I sent USDT on the wrong network, what now?") for c in customers]
    with CaptureQueriesContext(connection) as seen:
        tasks.handle_customer_messages.call(ids)
    statements = [q["sql"] for q in seen.captured_queries]
    assert AssistantTurn.objects.filter(message_id__in=ids).count() == 3

    def reads(table: str) -> list[str]:
        return [s for s in statements if s.startswith("SELECT") and f'FROM "{table}"' in s]

    tables = ("assistant_assistantsettings", "staffing_surge", "statuspage_incident")
    for table in (*tables, "mood_messagemood"):
        assert len(reads(table)) == 1, (table, reads(table))
    # The same question from three customers: the article that answers it is read once.
    assert len(reads("kb_articletranslation")) == 1, reads("kb_articletranslation")


def test_a_hand_off_runs_no_savepoint_and_few_statements(quiet):
    first = _stored(quiet, "I sent USDT on the wrong network 3302")
    tasks.handle_customer_messages.call([first])
    case = Message.objects.get(pk=first).conversation_id
    # Asking the same again: the answer did not help, a person takes it.
    again = _stored(quiet, "I sent USDT on the wrong network 3302", conversation_id=case)
    statements = _watched(again)
    turn = AssistantTurn.objects.get(message_id=again)
    assert (turn.action, turn.handoff_reason) == ("handoff", "not_helpful")
    assert not [s for s in statements if "SAVEPOINT" in s.upper()], statements
    assert len(statements) <= HANDOFF_MAX, "\n".join(statements)


def test_a_follow_up_asks_the_switch_of_the_widgets_kept_inbox(quiet):
    """A customer writing again in a case the assistant handles: the send path asks
    whether it is still the assistant's case (so it stays pending) with the inbox the
    widget keeps, whose switch was read for the first message: no read of the settings."""
    first = _stored(quiet, "I sent USDT on the wrong network 3303")
    tasks.handle_customer_messages.call([first])
    case = Message.objects.get(pk=first).conversation_id
    with CaptureQueriesContext(connection) as seen:
        _stored(quiet, "and it was 40 USDT", conversation_id=case)
    statements = [q["sql"] for q in seen.captured_queries]
    assert not [s for s in statements if 'FROM "assistant_assistantsettings"' in s], statements
    # Still the assistant's: its state was read, and the case stayed pending.
    assert [s for s in statements if 'FROM "assistant_assistantconversation"' in s]
    assert Message.objects.get(pk=first).conversation.status == "pending"


def test_its_own_status_changes_cost_the_consumer_no_read(quiet):
    """The hand-off reopens the case as the assistant: the consumer that watches for an
    agent stepping in skips that event without asking whether it is still active."""
    from blockdesk.assistant import event_consumers
    from blockdesk.events.models import Event

    first = _stored(quiet, "I sent USDT on the wrong network 3304")
    tasks.handle_customer_messages.call([first])
    case = Message.objects.get(pk=first).conversation_id
    again = _stored(quiet, "I sent USDT on the wrong network 3304", conversation_id=case)
    tasks.handle_customer_messages.call([again])
    reopened = Event.objects.filter(
        name="conversation.status_changed", subject_id=case, actor_kind="assistant"
    ).get()
    with CaptureQueriesContext(connection) as seen:
        event_consumers.on_event(reopened)
    assert seen.captured_queries == []


def test_a_state_there_before_any_answer_is_found_and_kept(quiet):
    """The insert-first guess is wrong when the case has a state but no answer yet (here
    made by hand, as a stepped-back or failed first turn leaves it): the insert finds the
    row, the row is read under its lock and used, and nothing is stored twice."""
    from blockdesk.assistant.models import AssistantConversation

    first = _stored(quiet, "I sent USDT on the wrong network 3305")
    case = Message.objects.get(pk=first).conversation
    assert case.first_bot_response_at is None
    AssistantConversation.objects.create(
        conversation=case, account_id=case.account_id, language="en", greeted=True
    )
    statements = _watched(first)
    turn = AssistantTurn.objects.get(message_id=first)
    assert turn.action == "answer"
    assert AssistantConversation.objects.filter(conversation=case).count() == 1
    # Not created by this task: it asked whether the message was handled already.
    assert [s for s in statements if s.startswith('SELECT 1 FROM "assistant_assistantturn"')]
    # The stored state was the one used: greeted already, so no greeting was sent.
    reply = Message.objects.get(pk=turn.reply_id)
    assert str(phrase("greeting", "en")) not in reply.content, reply.content
