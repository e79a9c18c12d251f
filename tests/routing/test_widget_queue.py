"""The widget's queue endpoint: the visitor's own queued case only, with place and wait;
the frame carries its config and no inline script."""

from __future__ import annotations

import pytest
from django.test import Client

from blockdesk.conversations import services
from blockdesk.widget import services as widget_services

from .support import make_agent, routed_inbox, settle

# transaction=True: on PostgreSQL the log shows only committed transactions (docs/events.md).
pytestmark = pytest.mark.django_db(transaction=True)


def test_visitor_sees_place_and_wait_of_their_own_case_only(account):
    a = make_agent(account, "ann", capacity=1)
    channel = routed_inbox(account, [a], handle_minutes=6)
    first_session, _t = widget_services.do_start_visitor_session(channel=channel, locale="en")
    services.do_send_contact_message(
        contact=first_session.contact, inbox=channel.inbox, conversation=None, content="first"
    )
    session, token = widget_services.do_start_visitor_session(channel=channel, locale="en")
    case = services.do_send_contact_message(
        contact=session.contact, inbox=channel.inbox, conversation=None, content="second"
    ).message.conversation
    settle()
    _other, other_token = widget_services.do_start_visitor_session(channel=channel, locale="en")
    url = f"/routing/widget/{channel.public_token}/queue?conversation_id={case.pk}"
    client = Client()
    r = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200
    assert r.json() == {"queued": True, "position": 1, "wait_minutes": 6}
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {other_token}").json() == {"queued": False}
    assert client.get(url).status_code == 401
    assert client.post(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def test_frame_has_the_queue_config_and_no_inline_script(account):
    a = make_agent(account, "ann")
    channel = routed_inbox(account, [a])
    html = Client().get(f"/widget/frame/{channel.public_token}/").content.decode()
    assert 'id="bdw-routing"' in html and "/routing/widget/" in html
    assert "<script>" not in html
