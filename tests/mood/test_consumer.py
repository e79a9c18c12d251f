"""Customer messages get a mood through the event log (mood.messages), once; agents',
the assistant's and notes do not."""

from __future__ import annotations

import pytest

from blockdesk.conversations import services as conv
from blockdesk.conversations.models import Message
from blockdesk.events.models import Event
from blockdesk.events.services import do_replay
from blockdesk.mood import selectors
from blockdesk.mood.models import MessageMood
from blockdesk.mood.services import do_record_message_mood, do_record_message_moods
from blockdesk.mood.templatetags.mood_tags import mood_badge
from tests.events.support import drain

pytestmark = pytest.mark.django_db(transaction=True)
CONSUMER = "mood.messages"


def test_customer_messages_are_scored_once(channel, contact, agent):
    first = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="Thanks, it works!"
    ).message
    case = first.conversation
    angry = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=case,
        content="Still not arrived?? You are scammers, this is urgent!!",
    ).message  # fmt: skip
    conv.do_send_agent_message(agent=agent, conversation=case, content="Sorry, terrible news")
    conv.do_send_agent_message(agent=agent, conversation=case, content="awful", private=True)
    conv.do_send_assistant_message(conversation=case, content="I hate to say it")
    drain(CONSUMER, expect=5)

    rows = {m.message_id: m for m in MessageMood.objects.all()}
    assert set(rows) == {first.pk, angry.pk}
    assert rows[first.pk].label == "positive"
    assert rows[angry.pk].label == "negative" and rows[angry.pk].emotions["anger"] >= 0.5
    assert rows[angry.pk].conversation_id == case.pk
    assert rows[angry.pk].account_id == channel.inbox.account_id

    summary = selectors.conversation_mood(conversation_id=case.pk)
    assert summary is not None and summary.angry and summary.apologise and summary.hand_off_sooner
    assert selectors.latest_moods(conversation_ids=[case.pk])[case.pk].message_id == angry.pk
    badge = mood_badge(rows[angry.pk])
    assert badge["label"] == "Negative" and "angry" in badge["emotions"]

    do_replay(consumer=CONSUMER, from_event_id=None)
    drain(CONSUMER, expect=5)
    assert MessageMood.objects.count() == 2


def test_a_calm_conversation_is_not_distressed(channel, contact):
    sent = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None,
        content="How do I change my email address?",
    ).message  # fmt: skip
    drain(CONSUMER, expect=1)
    summary = selectors.conversation_mood(conversation_id=sent.conversation_id)
    assert summary is not None and not summary.distressed and not summary.apologise


def test_badges_in_the_console(channel, contact, agent, django_assert_max_num_queries):
    from django.test import Client
    from django.urls import reverse

    from tests.conftest import PASSWORD

    case = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="Thank you, great!"
    ).message.conversation
    for text in ("你们是骗子！还我钱", "where is my money?? this is urgent"):
        conv.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=case, content=text
        )
    conv.do_send_agent_message(agent=agent, conversation=case, content="Looking into it.")
    drain(CONSUMER, expect=4)
    client = Client()
    assert client.login(username=agent.username, password=PASSWORD)

    page = client.get(reverse("workspace:conversation", args=[case.display_id]))
    html = page.content.decode()
    messages = [part.split("</article>")[0] for part in html.split("<article")[1:]]
    badged = [part for part in messages if 'class="mood-badge' in part]
    assert len(messages) == 4 and len(badged) == 3  # the customer's three messages only
    assert "mood-negative" in html and "mood-positive" in html
    assert "angry" in html and "anxious" in html

    listing = client.get(reverse("workspace:inbox"))
    row_html = listing.content.decode()
    assert row_html.count('class="mood-badge mood-negative') == 1  # the latest message's

    # One query for the page's moods, however many messages: adding ten more customer
    # messages does not add ten queries.
    with django_assert_max_num_queries(200) as before:
        client.get(reverse("workspace:conversation", args=[case.display_id]))
    for n in range(10):
        conv.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=case, content=f"hello {n}"
        )
    drain(CONSUMER, expect=10)
    with django_assert_max_num_queries(len(before.captured_queries) + 3):
        client.get(reverse("workspace:conversation", args=[case.display_id]))


def test_a_batch_scores_as_one_event_at_a_time_does(channel, contact):
    """The batch handler and the one-event handler give the same rows; both skip a message
    already scored and one erased since."""
    case = None
    texts = ["Thanks, it works!", "Still not arrived?? This is urgent!!", "充值没有到账", "ok"]
    for text in texts:
        case = conv.do_send_contact_message(
            contact=contact, inbox=channel.inbox, conversation=case, content=text
        ).message.conversation
    events = list(Event.objects.filter(name="message.created").order_by("id"))
    assert len(events) == 4
    gone = Message.objects.get(pk=events[3].payload["id"])
    gone.delete()

    one_by_one = [do_record_message_mood(event=e) for e in events]
    assert one_by_one[3] is None
    expected = {r.message_id: (r.label, r.score, r.emotions, r.language) for r in one_by_one if r}
    MessageMood.objects.filter(message_id=events[0].payload["id"]).delete()
    MessageMood.objects.filter(message_id=events[2].payload["id"]).delete()

    made = do_record_message_moods(events=events)
    assert sorted(r.message_id for r in made) == sorted(
        [events[0].payload["id"], events[2].payload["id"]]
    )
    assert {
        r.message_id: (r.label, r.score, r.emotions, r.language) for r in MessageMood.objects.all()
    } == expected
    assert do_record_message_moods(events=events) == []
