"""`earlier_actions`: the hand-off note's "did the assistant clarify, did it diagnose" in
one statement, per case."""

from __future__ import annotations

import pytest

from blockdesk.assistant.models import AssistantTurn
from blockdesk.assistant.selectors import earlier_actions
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message

pytestmark = pytest.mark.django_db

Action = AssistantTurn.Action


def _turn(case: Conversation, action: str) -> None:
    asked = Message.objects.create(
        conversation=case, sender_type="contact", sender_contact=case.contact, content="?"
    )
    AssistantTurn.objects.create(
        account=case.account, conversation=case, message=asked, action=action
    )


def test_names_the_actions_taken_in_that_case_only(channel, contact, django_assert_num_queries):
    case = conv_services.do_create_conversation(inbox=channel.inbox, contact=contact)
    other = conv_services.do_create_conversation(inbox=channel.inbox, contact=contact)
    asked = [Action.DIAGNOSE, Action.CLARIFY]
    with django_assert_num_queries(1):
        assert earlier_actions(conversation_id=case.pk, actions=asked) == set()
    _turn(case, Action.CLARIFY)
    _turn(case, Action.CLARIFY)
    _turn(case, Action.ANSWER)
    _turn(other, Action.DIAGNOSE)
    assert earlier_actions(conversation_id=case.pk, actions=asked) == {"clarify"}
    assert earlier_actions(conversation_id=other.pk, actions=asked) == {"diagnose"}
    _turn(case, Action.DIAGNOSE)
    assert earlier_actions(conversation_id=case.pk, actions=asked) == {"clarify", "diagnose"}
    assert earlier_actions(conversation_id=case.pk, actions=[Action.HANDOFF]) == set()
