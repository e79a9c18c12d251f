"""Case handling → service records through the event log (records/event_consumers.py): a
widget case with an assignment, public replies, a private note and its resolution gives
exactly the expected steps, once, even when the consumer runs again or the log is replayed;
the receipt verifies; only the case's own visitor gets its record in the widget."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from blockdesk.accounts.models import Account, User
from blockdesk.accounts.services import do_create_agent
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations import services as conv
from blockdesk.conversations.models import Conversation
from blockdesk.events.consumers import get_consumer
from blockdesk.events.models import ConsumerRetry, Event
from blockdesk.events.services import do_replay
from blockdesk.records import services, verifier, verify
from blockdesk.records.case_steps import EVENT_NAMES, do_record_event, do_record_events
from blockdesk.records.models import RecordCase, RecordedEvent, RecordEntry, RecordLog
from tests.conftest import PASSWORD
from tests.events.support import drain
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

CONSUMER = "records.case_steps"
CUSTOMER_TEXT = "My withdrawal 0xabc is stuck"
REPLY = "We found it: it is on its way, about ten minutes."
BOT_REPLY = "You can follow it on the status page."
NOTE = "Internal: customer is VIP, escalate if late"


@pytest.fixture(autouse=True)
def _records_rate_limit(settings: Any) -> None:
    settings.RECORDS_PUBLIC_RATE_LIMIT = 1000


def _handled_case(visitor: Visitor, agent: User) -> Conversation:
    sent = visitor.send(CUSTOMER_TEXT)
    assert sent.status_code == 201, sent.content
    case = Conversation.objects.get(pk=sent.json()["conversation"]["id"])
    case = conv.do_assign(actor=agent, conversation=case, assignee=agent)
    conv.do_send_agent_message(agent=agent, conversation=case, content=REPLY)
    conv.do_send_agent_message(agent=agent, conversation=case, content=NOTE, private=True)
    conv.do_send_assistant_message(conversation=case, content=BOT_REPLY)
    conv.do_change_status(actor=agent, conversation=case, status="resolved")
    return Conversation.objects.get(pk=case.pk)


def _records(case: Conversation) -> list[dict[str, Any]]:
    entries = RecordEntry.objects.filter(case__case_ref=f"conv-{case.pk}").order_by("index")
    return [json.loads(e.content) for e in entries]


def test_a_handled_case_is_recorded_step_by_step_once(
    channel: WebWidgetChannel, agent: User
) -> None:
    visitor = Visitor(channel).start()
    case = _handled_case(visitor, agent)
    drain(CONSUMER, expect=1)

    records = _records(case)
    assert [r["kind"] for r in records] == ["opened", "assigned", "reply", "reply", "resolved"]
    opened, assigned, reply, bot, resolved = (r["fields"] for r in records)
    assert opened["number"] == case.display_id and opened["by"].startswith("contact:")
    assert assigned == assigned | {
        "by": f"agent:{agent.pk}",
        "from": None,
        "to": f"agent:{agent.pk}",
    }
    assert reply["by"] == f"agent:{agent.pk}"
    assert reply["message_sha256"] == hashlib.sha256(REPLY.encode()).hexdigest()
    assert bot["by"] == "assistant"
    assert bot["message_sha256"] == hashlib.sha256(BOT_REPLY.encode()).hexdigest()
    assert resolved == resolved | {"by": f"agent:{agent.pk}", "from": "open", "to": "resolved"}
    assert all(r["fields"]["occurred_at"].endswith("Z") for r in records)
    # No message text in the record, neither the replies nor the note nor the customer's.
    contents = " ".join(RecordEntry.objects.values_list("content", flat=True))
    for text in (REPLY, BOT_REPLY, NOTE, CUSTOMER_TEXT, "VIP", "0xabc"):
        assert text not in contents
    note = case.messages.get(is_private=True)
    assert all(r["fields"].get("message_id") != note.pk for r in records)

    # The consumer again, then a replay of the whole log: nothing is appended twice.
    assert drain(CONSUMER) == 0
    assert get_consumer(CONSUMER).reset is None  # the log cannot forget; marks make it safe
    do_replay(consumer=CONSUMER)
    assert drain(CONSUMER, expect=1) >= 7  # the log handed out again…
    assert len(_records(case)) == 5  # …and recorded once
    assert RecordedEvent.objects.count() == 5
    assert not ConsumerRetry.objects.exists()

    # A later step of the same case is appended after the others.
    conv.do_change_status(actor=agent, conversation=case, status="open")
    drain(CONSUMER, expect=1)
    assert [r["kind"] for r in _records(case)][-1] == "status"


def test_the_receipt_of_a_recorded_case_verifies(channel: WebWidgetChannel, agent: User) -> None:
    case = _handled_case(Visitor(channel).start(), agent)
    drain(CONSUMER, expect=1)
    receipt = services.build_receipt(account=case.account, case_ref=f"conv-{case.pk}")
    checked = verifier.verify_receipt(json.loads(json.dumps(receipt)))
    assert checked
    assert [json.loads(r["record"])["kind"] for r in receipt["records"]] == [
        "opened",
        "assigned",
        "reply",
        "reply",
        "resolved",
    ]
    receipt["records"][2]["record"] = receipt["records"][2]["record"].replace("agent:", "agent:9")
    with pytest.raises(verifier.ReceiptInvalid):
        verifier.verify_receipt(receipt)


def test_only_the_cases_visitor_gets_its_record_in_the_widget(
    channel: WebWidgetChannel, agent: User
) -> None:
    visitor = Visitor(channel).start()
    other = Visitor(channel, ip="198.51.100.9").start()
    case = _handled_case(visitor, agent)
    path = f"conversations/{case.pk}/record"
    assert visitor.get(path).json() == {"record": None}  # not recorded yet
    drain(CONSUMER, expect=1)

    response = visitor.get(path)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    record = response.json()["record"]
    receipt_id = RecordCase.objects.get(case_ref=f"conv-{case.pk}").receipt_id
    assert record["receipt_id"] == receipt_id
    assert record["page_url"] == f"/records/{receipt_id}/"
    assert record["receipt_url"] == f"/records/{receipt_id}/receipt.json"
    steps = record["steps"]
    assert [s["kind"] for s in steps] == ["opened", "assigned", "reply", "reply", "resolved"]
    assert [s.get("by") for s in steps if s["kind"] == "reply"] == ["agent", "assistant"]
    assert steps[1]["assigned"] is True and steps[-1]["status"] == "resolved"
    assert all(s["at"] for s in steps)
    assert "agent:" not in json.dumps(steps)  # no agent ids for the customer

    # Another visitor, no visitor, and a made-up id: the same 404 / 401 as for any case.
    assert other.get(path).status_code == 404
    assert receipt_id not in other.get(path).content.decode()
    assert Visitor(channel).get(path).status_code == 401
    assert visitor.get(f"conversations/{case.pk + 1000}/record").status_code == 404

    # The links work: the public page lists the steps, the receipt downloads and verifies.
    page = Client().get(record["page_url"])
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-kind="reply"') == 2 and 'data-kind="resolved"' in html
    download = Client().get(record["receipt_url"])
    assert download.status_code == 200
    assert verifier.verify_receipt(json.loads(download.content))

    # The frame carries the record's place and its strings, in the visitor's language.
    frame = Client().get(f"/widget/frame/{channel.public_token}/?lang=zh-hans")
    html = frame.content.decode()
    assert 'id="bdw-record"' in html and "<style" not in html
    strings = json.loads(html.split('id="bdw-strings" type="application/json">')[1].split("<")[0])
    assert {"rec_title", "rec_download", "rec_view", "rec_opened"} <= set(strings)


def test_an_erased_case_takes_no_new_steps_and_fails_nothing(
    channel: WebWidgetChannel, agent: User
) -> None:
    visitor = Visitor(channel).start()
    case = _handled_case(visitor, agent)
    drain(CONSUMER, expect=1)
    services.do_erase_case(account=case.account, case_ref=f"conv-{case.pk}")
    conv.do_change_status(actor=agent, conversation=case, status="open")
    drain(CONSUMER, expect=1)
    assert RecordEntry.objects.filter(case__case_ref=f"conv-{case.pk}").count() == 5
    assert not ConsumerRetry.objects.exists()
    record = visitor.get(f"conversations/{case.pk}/record").json()["record"]
    assert record["erased"] is True and record["steps"] == [] and record["receipt_url"] is None


def test_the_console_links_to_the_service_record(
    channel: WebWidgetChannel, agent: User, outsider: User
) -> None:
    case = _handled_case(Visitor(channel).start(), agent)
    url = reverse("workspace:conversation", kwargs={"display_id": case.display_id})
    client = Client()
    client.force_login(agent)
    assert "data-service-record" not in client.get(url).content.decode()  # nothing yet
    drain(CONSUMER, expect=1)
    receipt_id = RecordCase.objects.get(case_ref=f"conv-{case.pk}").receipt_id
    html = client.get(url).content.decode()
    assert f'href="/records/{receipt_id}/"' in html


def test_one_batch_of_the_log_records_each_account_and_skips_what_it_must(
    channel: WebWidgetChannel, agent: User, other_account: Account
) -> None:
    """The consumer's batch handler: cases of two accounts in one batch go to their own
    logs; an erased case and an event recorded before are skipped; both logs verify."""
    other_agent = do_create_agent(
        account=other_account, username="olga", email="olga@example.com", password=PASSWORD
    )
    other_channel = do_create_web_widget_inbox(
        account=other_account, name="Other site", members=[other_agent]
    )
    first = _handled_case(Visitor(channel).start(), agent)
    erased = _handled_case(Visitor(channel, ip="198.51.100.7").start(), agent)
    theirs = _handled_case(Visitor(other_channel).start(), other_agent)
    events = list(Event.objects.filter(name__in=EVENT_NAMES).order_by("pk"))
    # Recorded before the batch: the first case's opening, and the opening of the case that
    # is then erased (only a recorded case can be erased).
    erased_opening = Event.objects.get(name="conversation.created", subject_id=erased.pk)
    assert do_record_event(event=events[0]) and do_record_event(event=erased_opening)
    services.do_erase_case(account=erased.account, case_ref=f"conv-{erased.pk}")

    appended = do_record_events(events=events)

    assert appended == 4 + 5
    assert [r["kind"] for r in _records(first)] == [
        "opened",
        "assigned",
        "reply",
        "reply",
        "resolved",
    ]
    erased_entries = RecordEntry.objects.filter(case__case_ref=f"conv-{erased.pk}")
    assert [e.content for e in erased_entries] == [None]  # its opening, erased; nothing new
    assert len(_records(theirs)) == 5
    assert RecordedEvent.objects.count() == 11
    assert do_record_events(events=events) == 0  # again: nothing twice
    for account in (first.account, other_account):
        log = RecordLog.objects.get(account=account)
        assert verify.verify_log(log).entries == log.size
