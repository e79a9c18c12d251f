"""common/plain_sql writes the same rows as the ORM's save()/update() (run on SQLite and,
in the PostgreSQL pass, on PostgreSQL), and steps aside when it cannot."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import models
from django.db.models.signals import post_save

from blockdesk.common.plain_sql import fetch_one, insert_row, update_row
from blockdesk.conversations.models import Contact, Conversation, ConversationEvent, Message
from blockdesk.events.models import Event

pytestmark = pytest.mark.django_db


def _stored(model: type[models.Model], pk: int) -> dict:
    """The row as stored, minus its id and its insert-time stamps (checked apart)."""
    row = model.objects.filter(pk=pk).values().get()
    for name in ("id", "created_at", "last_activity_at"):
        value = row.pop(name, None)
        assert name == "id" or value is None or isinstance(value, dt.datetime)
    return row


def _message(conversation: Conversation, contact: Contact, key: str) -> Message:
    return Message(
        conversation=conversation,
        sender_type=Message.SenderType.CONTACT,
        sender_contact=contact,
        content="Where is my deposit? 我的充值没到账 <b>\u2028</b>",
        idempotency_key=key,
        metadata={"button": "deposit", "nested": {"n": 1, "zh": "充值"}, "list": [1, None]},
    )


def test_an_inserted_row_is_the_row_save_would_store(channel, contact):
    conversation = Conversation(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=1
    )
    insert_row(conversation)
    assert conversation.pk and not conversation._state.adding
    by_orm = Conversation(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=2
    )
    by_orm.save()
    mine, theirs = _stored(Conversation, conversation.pk), _stored(Conversation, by_orm.pk)
    assert mine.pop("display_id") == 1 and theirs.pop("display_id") == 2
    assert mine == theirs
    # auto_now_add was filled in on the instance, as save() does.
    assert isinstance(conversation.created_at, dt.datetime)
    assert Conversation.objects.get(pk=conversation.pk).created_at == conversation.created_at

    message = _message(conversation, contact, "k-plain-1")
    insert_row(message)
    saved = _message(conversation, contact, "k-orm-1")
    saved.save()
    mine, theirs = _stored(Message, message.pk), _stored(Message, saved.pk)
    assert mine.pop("idempotency_key") == "k-plain-1"
    assert theirs.pop("idempotency_key") == "k-orm-1"
    assert mine == theirs
    assert Message.objects.get(pk=message.pk).metadata["nested"]["zh"] == "充值"

    event = ConversationEvent(conversation=conversation, kind="opened", data={}, is_public=True)
    insert_row(event)
    assert ConversationEvent.objects.get(pk=event.pk).is_public is True


def test_update_row_writes_only_the_named_fields(channel, contact, agent):
    conversation = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=7
    )
    other = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=8
    )
    when = dt.datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    assert update_row(Conversation, pk=conversation.pk, values={"last_activity_at": when}) == 1
    stored = Conversation.objects.get(pk=conversation.pk)
    assert stored.last_activity_at == when and stored.display_id == 7
    assert Conversation.objects.get(pk=other.pk).last_activity_at != when
    assert update_row(Conversation, pk=10**9, values={"last_activity_at": when}) == 0
    # A foreign key named by its column's attname, as the message path names its ids.
    assert update_row(Conversation, pk=conversation.pk, values={"assignee_id": agent.pk}) == 1
    assert Conversation.objects.get(pk=conversation.pk).assignee_id == agent.pk
    with pytest.raises(ValueError, match="plain column"):
        update_row(Conversation, pk=conversation.pk, values={"id": 3})


def test_a_model_with_a_save_receiver_goes_through_save(channel, contact):
    seen: list[int] = []

    def receiver(sender: type, instance: Contact, created: bool, **kwargs: object) -> None:
        seen.append(instance.pk)

    post_save.connect(receiver, sender=Contact, weak=False)
    try:
        someone = Contact(account_id=contact.account_id, name="Dave")
        insert_row(someone)
    finally:
        post_save.disconnect(receiver, sender=Contact)
    assert seen == [someone.pk]


def test_database_computed_columns_are_refused():
    # The event log's txid is the database's (a column default): not for this helper.
    with pytest.raises(TypeError, match="database-computed"):
        insert_row(Event(account_id=1, name="x", version=1))


def _fields(instance: models.Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_fetch_one_returns_what_select_related_returns(
    channel, contact, agent, django_assert_num_queries
):
    contact.attributes = {"tier": "vip", "wallets": ["0xabc"], "zh": "用户"}
    contact.save()
    conv = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=3,
        subject="充值未到账", secret_exposed=True,
    )  # fmt: skip
    where = {"pk": conv.pk, "account": contact.account_id}
    with django_assert_num_queries(1):
        mine = fetch_one(Conversation, where=where, related=("contact", "inbox", "assignee"))
        assert mine is not None
        # The relations are loaded with it: no further statement.
        assert mine.contact.attributes["zh"] == "用户" and mine.inbox.name == channel.inbox.name
        assert mine.assignee is None
    theirs = Conversation.objects.select_related("contact", "inbox").get(pk=conv.pk)
    assert _fields(mine) == _fields(theirs)
    assert _fields(mine.contact) == _fields(theirs.contact)
    assert _fields(mine.inbox) == _fields(theirs.inbox)
    assert isinstance(mine.created_at, dt.datetime) and mine.secret_exposed is True
    assert not mine._state.adding and mine._state.db == "default"

    Conversation.objects.filter(pk=conv.pk).update(assignee=agent)
    with django_assert_num_queries(1):
        assigned = fetch_one(Conversation, where={"pk": conv.pk}, related=("assignee",))
        assert assigned is not None and assigned.assignee.public_name == agent.public_name


def test_fetch_one_finds_nothing_outside_its_conditions(channel, contact, other_account):
    conv = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=4
    )
    assert fetch_one(Conversation, where={"pk": conv.pk, "account": other_account.pk}) is None
    assert fetch_one(Conversation, where={"pk": conv.pk + 1000}) is None
    with pytest.raises(ValueError, match="to-one"):
        fetch_one(Conversation, where={"pk": conv.pk}, related=("tags",))


def test_fetch_by_sql_loads_a_row_of_a_query_through_another_table(channel, contact):
    from django.db import connection

    from blockdesk.common.plain_sql import column_names, fetch_by_sql

    contact.attributes = {"vip": True, "zh": "客户"}
    contact.save()
    q = connection.ops.quote_name
    sql = (
        f"SELECT {', '.join('c.' + q(c) for c in column_names(Contact))}"  # noqa: S608
        f" FROM {q(Contact._meta.db_table)} c WHERE c.{q('name')} = %s"
    )
    found = fetch_by_sql(Contact, sql=sql, params=[contact.name])
    assert found is not None and _fields(found) == _fields(Contact.objects.get(pk=contact.pk))
    assert found.attributes["zh"] == "客户" and isinstance(found.created_at, dt.datetime)
    assert fetch_by_sql(Contact, sql=sql, params=["nobody"]) is None
