"""The assistant's event consumer takes a flood's batch at once: the customer messages of
extractive inboxes queued in groups, a generative inbox's one task each, an agent's reply
still making the assistant step back."""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from blockdesk.assistant import event_consumers
from blockdesk.assistant.configuration import do_set_enabled
from blockdesk.assistant.models import AssistantConversation, AssistantSettings
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Contact, Conversation
from blockdesk.events import consumers
from blockdesk.events.consumers import dispatch_once

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL: the log shows commits


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _customer_message(inbox, account, name: str, text: str) -> Conversation:
    contact = Contact.objects.create(account=account, name=name)
    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=inbox, conversation=None, content=text
    )
    return sent.message.conversation


def _queued() -> list[tuple[str, list[object]]]:
    rows = DBTaskResult.objects.order_by("enqueued_at")
    return [(r.task_path.rsplit(".", 1)[1], r.args_kwargs["args"]) for r in rows]


def _dispatch_all() -> int:
    """Every event the consumer has, as the dispatcher would (on PostgreSQL a commit is
    readable once older transactions elsewhere in the cluster have ended: wait for it)."""
    deadline = time.monotonic() + 20
    handed = 0
    while not handed and time.monotonic() < deadline:
        handed = dispatch_once(event_consumers.CONSUMER)
        time.sleep(0 if handed else 0.05)
    while found := dispatch_once(event_consumers.CONSUMER):
        handed += found
    return handed


def test_a_batch_queues_grouped_and_single_tasks(db_tasks, account, agent, channel, monkeypatch):
    monkeypatch.setattr(event_consumers, "MESSAGES_PER_TASK", 2)
    # The batch size a consumer's handler gets adapts per process: earlier tests' slow
    # batches must not split this one.
    monkeypatch.setattr(consumers, "_batch_sizes", {})
    do_set_enabled(inbox_id=channel.inbox.pk, enabled=True)
    generative = do_create_web_widget_inbox(account=account, name="LLM", members=[agent])
    do_set_enabled(inbox_id=generative.inbox.pk, enabled=True)
    AssistantSettings.objects.filter(inbox=generative.inbox).update(
        generative_enabled=True, generative_url="https://llm.example.com", generative_model="m"
    )
    plain = do_create_web_widget_inbox(account=account, name="People only", members=[agent])
    while dispatch_once(event_consumers.CONSUMER):
        pass  # the set-up's own events, if any
    DBTaskResult.objects.all().delete()

    with transaction.atomic():  # one commit: one batch
        extractive = [_customer_message(channel.inbox, account, f"c{n}", "USDT?") for n in range(3)]
        llm = _customer_message(generative.inbox, account, "g", "Where is my deposit?")
        _customer_message(plain.inbox, account, "p", "Hello")  # the assistant is off there
        # An agent answers the first case: the assistant steps back from it.
        AssistantConversation.objects.create(conversation=extractive[0], account=account)
        conv_services.do_send_agent_message(agent=agent, conversation=extractive[0], content="Hi!")
    assert _dispatch_all() > 2

    messages = {c.pk: c.last_incoming_id for c in Conversation.objects.all()}
    grouped = [args for name, args in _queued() if name == "handle_customer_messages"]
    single = [args for name, args in _queued() if name == "handle_customer_message"]
    # In groups of (here) two, in the log's order.
    assert sorted(grouped) == [
        [[messages[extractive[0].pk], messages[extractive[1].pk]]],
        [[messages[extractive[2].pk]]],
    ]
    assert single == [[messages[llm.pk]]]
    state = AssistantConversation.objects.get(conversation=extractive[0])
    assert state.state == AssistantConversation.State.HANDED_OFF


def test_one_message_that_raises_costs_the_others_nothing(monkeypatch):
    from blockdesk.assistant import services, tasks

    handled: list[int] = []

    def handle(*, message_id: int) -> None:
        handled.append(message_id)
        if message_id == 2:
            raise RuntimeError("broken model server")

    monkeypatch.setattr(services, "do_handle_customer_message", handle)
    assert tasks.handle_customer_messages.call([1, 2, 3]) == {"skipped": 2, "failed": 1}
    assert handled == [1, 2, 3]
