"""One delivery per reply in a case the customer continued on several channels: the
widget case, continued on Telegram through the `/start` deep link and answered by email
(a reply to the case's mail). Each agent reply goes out exactly once, on the channel the
customer last wrote from (or the one an agent chose), never on the others; the widget
shows the whole case live and is no delivery (connectors/linked_channels.py).

Against the Bot API stand-in (standin.py: the real Telegram cannot be reached from here)
and a real SMTP server on loopback (aiosmtpd, the email tests' `smtp` fixture)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from blockdesk.connectors import contract_delivery
from blockdesk.connectors.email import threading
from blockdesk.connectors.email.ingest import ingest_raw
from blockdesk.connectors.event_consumers import CONSUMER
from blockdesk.connectors.linked_channels import current_route, do_choose_route
from blockdesk.connectors.models import OutboundDelivery, ReplyRoute
from blockdesk.connectors.telegram.deeplink import do_create_link
from blockdesk.connectors.telegram.inbound import handle_update
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation, Message
from blockdesk.notifications.selectors import unseen_replies
from blockdesk.widget.services import do_send_visitor_message, do_start_visitor_session
from tests.conftest import PASSWORD
from tests.connectors.email.conftest import _email_settings, email_channel, smtp
from tests.connectors.email.mails import raw
from tests.support.event_log import drain

from . import updates

__all__ = ["_email_settings", "email_channel", "smtp"]  # the email tests' fixtures

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER_MAIL = "wang@example.com"


@pytest.fixture
def widget_case(channel):  # type: ignore[no-untyped-def]
    session, _token = do_start_visitor_session(channel=channel)
    case = do_send_visitor_message(
        session=session, content="My deposit is missing", idempotency_key="key-00000100"
    ).message.conversation
    case.contact.email = CUSTOMER_MAIL
    case.contact.save(update_fields=["email"])
    drain(CONSUMER)
    return session, Conversation.objects.select_related("contact", "inbox").get(pk=case.pk)


def _reply(agent, case, content, capture) -> Message:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        message = conv_services.do_send_agent_message(
            agent=agent, conversation=case, content=content
        ).message
    drain(CONSUMER)
    return message


def _deliver(message: Message) -> OutboundDelivery | None:
    delivery = OutboundDelivery.objects.filter(message=message).first()
    if delivery is not None:
        assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) in (
            "sent",
            "delivered",
        )
        delivery.refresh_from_db()
    return delivery


def _telegram_texts(bot_api, needle: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.params["text"] for s in bot_api.messages("sendMessage") if needle in s.params["text"]]


def _mails(smtp, needle: str) -> list[str]:  # type: ignore[no-untyped-def]
    bodies = []
    for _rcpt, mail in smtp.messages:
        body = mail.get_body(preferencelist=("plain",))
        if body is not None and needle in body.get_content():
            bodies.append(body.get_content())
    return bodies


def _email_in(email_channel, case, body: str, n: int) -> None:  # type: ignore[no-untyped-def]
    outcome = ingest_raw(
        channel=email_channel,
        raw=raw(
            sender=f"Wang Wei <{CUSTOMER_MAIL}>",
            subject=f"Re: Deposit {threading.subject_tag(case.pk)}",
            body=body,
            message_id=f"<m{n}@example.com>",
        ),
    )
    assert Message.objects.filter(conversation=case, content__contains=body).exists(), outcome
    drain(CONSUMER)


def test_each_reply_goes_out_once_on_the_channel_the_customer_last_wrote_from(
    agent, widget_case, tg_channel, bot_api, email_channel, smtp,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    capture = django_capture_on_commit_callbacks
    session, case = widget_case
    # The customer continues the case on Telegram (the widget's deep link) and writes there.
    _ch, token = do_create_link(contact=case.contact, conversation=case)
    assert (
        handle_update(
            channel=tg_channel, payload=updates.private_text(1, 50, f"/start {token}")
        ).status
        == "linked"
    )
    assert (
        handle_update(
            channel=tg_channel, payload=updates.private_text(2, 51, "tx id?")
        ).conversation_id
        == case.pk
    )
    drain(CONSUMER)

    first = _reply(agent, case, "Answer one on Telegram", capture)
    delivery = _deliver(first)
    assert delivery is not None and delivery.inbox_id == tg_channel.inbox_id
    assert contract_delivery.delivery_dict(delivery)["channel_kind"] == "telegram"
    assert len(_telegram_texts(bot_api, "Answer one")) == 1
    assert smtp.messages == []

    # Then answers by email (a reply to the case's mail): the next reply goes by email only.
    _email_in(email_channel, case, "I am on my laptop now", 1)
    assert current_route(conversation=case).pk == email_channel.inbox_id
    second = _reply(agent, case, "Answer two by mail", capture)
    delivery = _deliver(second)
    assert delivery is not None and delivery.inbox_id == email_channel.inbox_id
    assert len(_mails(smtp, "Answer two")) == 1
    assert _telegram_texts(bot_api, "Answer two") == []

    # Back in the widget: shown live there, no delivery anywhere.
    do_send_visitor_message(
        session=session,
        content="Still here",
        idempotency_key="key-00000101",
        conversation_id=case.pk,
    )
    drain(CONSUMER)
    third = _reply(agent, case, "Answer three in the widget", capture)
    assert _deliver(third) is None
    assert _telegram_texts(bot_api, "Answer three") == [] and _mails(smtp, "Answer three") == []

    # On Telegram again: Telegram only, as a reply to that message.
    handle_update(channel=tg_channel, payload=updates.private_text(3, 52, "and now?"))
    drain(CONSUMER)
    fourth = _reply(agent, case, "Answer four on Telegram", capture)
    delivery = _deliver(fourth)
    assert delivery is not None and delivery.inbox_id == tg_channel.inbox_id
    sent = [s for s in bot_api.messages("sendMessage") if "Answer four" in s.params["text"]]
    assert len(sent) == 1 and sent[0].params["reply_parameters"]["message_id"] == 52
    assert _mails(smtp, "Answer four") == []
    # The follow-up reply email never repeats what a channel delivered.
    unseen = [m.pk for m in unseen_replies(conversation=case, after=0)]
    assert third.pk in unseen and not {first.pk, second.pk, fourth.pk} & set(unseen)


def test_a_channel_that_is_down_gets_the_reply_later_once_and_on_the_same_channel(
    agent, widget_case, tg_channel, bot_api, email_channel, smtp,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    _session, case = widget_case
    _email_in(email_channel, case, "Please answer by mail", 1)
    smtp.refuse_with = "451 try later"
    message = _reply(agent, case, "Queued while mail is down", django_capture_on_commit_callbacks)
    delivery = OutboundDelivery.objects.get(message=message)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "retry"
    # The customer moves to Telegram meanwhile: the queued reply stays on its channel
    # (it is not sent a second time elsewhere), later ones follow the customer.
    _ch, token = do_create_link(contact=case.contact, conversation=case)
    handle_update(channel=tg_channel, payload=updates.private_text(5, 60, f"/start {token}"))
    drain(CONSUMER)
    smtp.refuse_with = None
    delivery.refresh_from_db()
    OutboundDelivery.objects.filter(pk=delivery.pk).update(due_at=delivery.created_at)
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "sent"
    assert contract_delivery.do_attempt_delivery(delivery_id=delivery.pk) == "skipped"
    assert len(_mails(smtp, "Queued while mail is down")) == 1
    assert _telegram_texts(bot_api, "Queued while") == []
    assert OutboundDelivery.objects.filter(message=message).count() == 1
    later = _reply(agent, case, "After the move", django_capture_on_commit_callbacks)
    assert _deliver(later).inbox_id == tg_channel.inbox_id  # type: ignore[union-attr]


def test_an_agent_chooses_the_channel_and_a_late_customer_message_does_not_undo_it(
    agent, outsider, widget_case, tg_channel, bot_api, email_channel, smtp, client,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    session, case = widget_case
    _ch, token = do_create_link(contact=case.contact, conversation=case)
    handle_update(channel=tg_channel, payload=updates.private_text(1, 50, f"/start {token}"))
    _email_in(email_channel, case, "mail from me", 1)

    # The console shows where replies go, with the case's channels to choose from.
    client.login(username=agent.username, password=PASSWORD)
    page = client.get(reverse("workspace:conversation", args=[case.display_id])).content.decode()
    assert "data-reply-route" in page
    for inbox in (case.inbox, tg_channel.inbox, email_channel.inbox):
        assert f'value="{inbox.pk}"' in page
    assert f'value="{email_channel.inbox_id}" selected' in page

    # A widget message written before the choice, handled by the consumer after it,
    # does not undo the agent's choice.
    do_send_visitor_message(
        session=session, content="earlier", idempotency_key="key-00000102", conversation_id=case.pk
    )
    url = reverse("connectors:choose_route", args=[case.pk])
    client.post(url, {"inbox": tg_channel.inbox_id})
    drain(CONSUMER)
    route = ReplyRoute.objects.get(conversation=case)
    assert route.inbox_id == tg_channel.inbox_id and route.chosen_by_id == agent.pk
    message = _reply(agent, case, "Chosen: Telegram", django_capture_on_commit_callbacks)
    assert _deliver(message).inbox_id == tg_channel.inbox_id  # type: ignore[union-attr]
    assert _mails(smtp, "Chosen: Telegram") == []

    # An inbox that is none of the case's channels, or an agent outside the case: 404.
    assert client.post(url, {"inbox": 999999}).status_code == 302
    assert ReplyRoute.objects.get(conversation=case).inbox_id == tg_channel.inbox_id
    client.logout()
    client.login(username=outsider.username, password=PASSWORD)
    assert client.post(url, {"inbox": email_channel.inbox_id}).status_code == 404
    with pytest.raises(Exception):  # noqa: B017 - NotFound, the case stays hidden
        do_choose_route(actor=outsider, conversation=case, inbox_id=email_channel.inbox_id)
    assert ReplyRoute.objects.get(conversation=case).inbox_id == tg_channel.inbox_id
