"""`enabled_for_inbox`, asked for every new case (whether it opens as the assistant's,
"pending"), is a plain statement: it must still answer per inbox and follow the switch."""

from __future__ import annotations

import pytest

from blockdesk.assistant.configuration import do_set_enabled
from blockdesk.assistant.selectors import enabled_for_inbox
from blockdesk.connectors.services import do_create_web_widget_inbox

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
