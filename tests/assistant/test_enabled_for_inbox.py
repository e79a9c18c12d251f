"""`enabled_for_inbox`, asked for every new case (whether it opens as the assistant's,
"pending"), is a plain statement: it must still answer per inbox and follow the switch."""

from __future__ import annotations

import pytest

from blockdesk.assistant import selectors
from blockdesk.assistant.configuration import do_set_enabled
from blockdesk.assistant.models import AssistantSettings
from blockdesk.assistant.selectors import enabled_for_inbox
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations.models import Inbox

pytestmark = pytest.mark.django_db


def test_follows_the_switch_of_each_inbox(account, agent, channel, django_assert_num_queries):
    other = do_create_web_widget_inbox(account=account, name="Other site", members=[agent])
    with django_assert_num_queries(1):
        assert enabled_for_inbox(channel.inbox) is False  # never configured
    do_set_enabled(inbox_id=other.inbox.pk, enabled=True)
    assert enabled_for_inbox(channel.inbox) is False  # another inbox's switch
    assert enabled_for_inbox(other.inbox) is True
    do_set_enabled(inbox_id=channel.inbox.pk, enabled=True)
    do_set_enabled(inbox_id=other.inbox.pk, enabled=False)
    assert enabled_for_inbox(channel.inbox) is True
    assert enabled_for_inbox(other.inbox) is False  # a row with the switch off
    # By id too, as handles_conversation asks (with the case's inbox_id).
    assert enabled_for_inbox(channel.inbox.pk) is True
    assert enabled_for_inbox(other.inbox.pk) is False


def test_an_inbox_instance_keeps_the_answer_until_a_switch_or_its_seconds(
    account, channel, monkeypatch, settings, django_assert_num_queries
):
    """The widget keeps its channel's inbox between requests: its new cases ask once per
    WIDGET_CHANNEL_CACHE_SECONDS, a switch made in this process is seen at once, and one
    made elsewhere (no signal here: a queryset update stands in for another node) once
    the seconds are up."""
    settings.WIDGET_CHANNEL_CACHE_SECONDS = 10.0
    clock = [1000.0]
    monkeypatch.setattr(selectors, "_clock", lambda: clock[0])
    inbox = channel.inbox
    with django_assert_num_queries(1):
        assert enabled_for_inbox(inbox) is False
        assert enabled_for_inbox(inbox) is False  # kept: no second statement
    do_set_enabled(inbox_id=inbox.pk, enabled=True)
    assert enabled_for_inbox(inbox) is True  # this process's switch: at once
    AssistantSettings.objects.filter(inbox=inbox).update(enabled=False)  # "another node"
    assert enabled_for_inbox(inbox) is True
    clock[0] += settings.WIDGET_CHANNEL_CACHE_SECONDS + 0.1
    assert enabled_for_inbox(inbox) is False
    # Another instance of the same inbox asks for itself.
    with django_assert_num_queries(1):
        assert enabled_for_inbox(Inbox(pk=inbox.pk, account_id=inbox.account_id)) is False
