"""The assistant's state of a case is locked while a message is handled; two handlers of
the case's first messages racing to create it end up with one row, taken in turn."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from blockdesk.assistant.models import AssistantConversation
from blockdesk.assistant.services.lifecycle import _locked_state, _locked_state_created
from blockdesk.conversations.models import Conversation


@pytest.mark.django_db
def test_the_state_is_created_once_then_found(channel, contact):
    conv = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=1
    )
    with transaction.atomic():
        first = _locked_state(conv)
    with transaction.atomic():
        again = _locked_state(conv)
    assert first.pk == again.pk and again.state == AssistantConversation.State.ACTIVE
    assert AssistantConversation.objects.filter(conversation=conv).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("likely_new", [False, True], ids=["look-first", "insert-first"])
def test_a_second_handler_waits_for_the_first_and_takes_its_row(channel, contact, likely_new):
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite: one write transaction at a time, no race to lose")
    conv = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=2
    )
    created = threading.Event()
    seen: list[tuple[int, str]] = []

    def second() -> None:
        try:
            created.wait(10)
            with transaction.atomic():
                # Blocks on the first's uncommitted row, then finds it (no second row).
                state, made = _locked_state_created(conv, likely_new=likely_new)
                seen.append((state.pk, state.language, made))
        finally:
            connection.close()

    worker = threading.Thread(target=second)
    worker.start()
    with transaction.atomic():
        state, made = _locked_state_created(conv, likely_new=likely_new)
        assert made
        state.language = "zh-hans"
        AssistantConversation.objects.filter(pk=state.pk).update(language="zh-hans")
        created.set()
        worker.join(0.5)
        assert worker.is_alive()  # still waiting on our row
    worker.join(10)
    assert seen == [(state.pk, "zh-hans", False)]
    assert AssistantConversation.objects.filter(conversation=conv).count() == 1
