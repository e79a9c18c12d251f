"""common/plain_sql writes the same rows as the ORM's save()/update() (run on SQLite and,
in the PostgreSQL pass, on PostgreSQL), and steps aside when it cannot."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models.signals import post_save

from blockdesk.common.plain_sql import (
    fetch_one,
    insert_row,
    insert_row_if_absent,
    save_row,
    update_row,
)
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


@pytest.mark.parametrize("listening", [False, True])
def test_insert_row_if_absent_skips_a_row_whose_unique_value_exists(channel, contact, listening):
    """ON CONFLICT DO NOTHING (or, with a save receiver, save() in a savepoint): the
    second row for the same case is not stored, and the transaction goes on."""
    from blockdesk.assistant.models import AssistantConversation
    from blockdesk.conversations.services import do_create_conversation

    case = do_create_conversation(inbox=channel.inbox, contact=contact)
    seen: list[int] = []

    def receiver(sender: type, instance: AssistantConversation, **kwargs: object) -> None:
        seen.append(instance.pk)

    if listening:
        post_save.connect(receiver, sender=AssistantConversation, weak=False)
    try:
        with transaction.atomic():
            first = AssistantConversation(conversation=case, account_id=case.account_id)
            assert insert_row_if_absent(first) and first.pk is not None
            second = AssistantConversation(
                conversation=case, account_id=case.account_id, language="zh-hans"
            )
            assert not insert_row_if_absent(second) and second.pk is None
            stored = AssistantConversation.objects.get(conversation=case)
            assert (stored.pk, stored.language) == (first.pk, first.language)
    finally:
        post_save.disconnect(receiver, sender=AssistantConversation)
    assert seen == ([first.pk] if listening else [])


@pytest.mark.parametrize("listening", [False, True])
def test_insert_row_if_absent_raises_a_failed_constraint_that_is_not_a_unique_value(
    channel, contact, listening
):
    """Only a unique value already taken reads as "exists": a NOT NULL column left empty
    raises, with or without a save receiver (which goes through save() in a savepoint)."""
    from blockdesk.assistant.models import AssistantConversation
    from blockdesk.conversations.services import do_create_conversation

    case = do_create_conversation(inbox=channel.inbox, contact=contact)

    def receiver(sender: type, instance: AssistantConversation, **kwargs: object) -> None:
        pass

    if listening:
        post_save.connect(receiver, sender=AssistantConversation, weak=False)
    try:
        broken = AssistantConversation(conversation=case, account_id=case.account_id, state=None)
        # Its own block, as for the ORM: on PostgreSQL the failed INSERT ends the transaction.
        with pytest.raises(IntegrityError), transaction.atomic():
            insert_row_if_absent(broken)
    finally:
        post_save.disconnect(receiver, sender=AssistantConversation)
    assert not AssistantConversation.objects.filter(conversation=case).exists()


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


def test_fetch_one_follows_relations_of_relations(
    channel, contact, agent, django_assert_num_queries
):
    conv = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=5
    )
    message = _message(conv, contact, "k-nested")
    message.save()
    related = ("conversation__inbox", "conversation__contact", "conversation__assignee")
    with django_assert_num_queries(1):
        mine = fetch_one(Message, where={"pk": message.pk}, related=(*related, "sender_user"))
        assert mine is not None
        assert mine.conversation.inbox.name == channel.inbox.name
        assert mine.conversation.contact.name == contact.name
        assert mine.conversation.assignee is None and mine.sender_user is None
    theirs = Message.objects.select_related(*related).get(pk=message.pk)
    assert _fields(mine) == _fields(theirs)
    assert _fields(mine.conversation) == _fields(theirs.conversation)
    assert _fields(mine.conversation.contact) == _fields(theirs.conversation.contact)
    # Through a relation that is missing (no sending agent): its own relations are None,
    # and the row is still found (LEFT JOINs all the way down).
    with django_assert_num_queries(1):
        found = fetch_one(Message, where={"pk": message.pk}, related=("sender_user__account",))
        assert found is not None and found.sender_user is None
    reply = Message.objects.create(
        conversation=conv, sender_type=Message.SenderType.AGENT, sender_user=agent, content="hi"
    )
    with django_assert_num_queries(1):
        found = fetch_one(Message, where={"pk": reply.pk}, related=("sender_user__account",))
        assert found is not None and found.sender_user.account.pk == agent.account_id


def test_save_row_stores_what_save_stores(channel, contact):
    conv = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=9
    )
    other = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=10
    )
    for row in (conv, other):
        row.subject, row.priority = "充值 <b>", Conversation.Priority.HIGH
        row.secret_exposed = True
    save_row(conv)
    other.save()
    mine, theirs = _stored(Conversation, conv.pk), _stored(Conversation, other.pk)
    assert mine.pop("display_id") == 9 and theirs.pop("display_id") == 10
    assert mine == theirs

    # Only the fields named, as save(update_fields=...).
    conv.subject, conv.priority = "only the subject", Conversation.Priority.LOW
    save_row(conv, fields=("subject",))
    stored = Conversation.objects.get(pk=conv.pk)
    assert stored.subject == "only the subject" and stored.priority == Conversation.Priority.HIGH


def test_save_row_takes_the_time_for_auto_now(channel, contact):
    from blockdesk.assistant.models import AssistantConversation

    conv = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=11
    )
    state = AssistantConversation.objects.create(conversation=conv, account_id=conv.account_id)
    before = state.updated_at
    state.offered = ["deposit-wrong-network", "充值"]
    save_row(state)
    stored = AssistantConversation.objects.get(pk=state.pk)
    assert stored.offered == ["deposit-wrong-network", "充值"]
    assert stored.updated_at == state.updated_at and stored.updated_at > before


@pytest.mark.django_db(transaction=True)
def test_fetch_one_for_update_holds_the_row_until_the_transaction_ends(account, contact, channel):
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite: a write transaction excludes other writers, no row locks")
    conv = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=12
    )
    outcome: list[str] = []

    def another_worker() -> None:
        try:
            with transaction.atomic():
                Conversation.objects.select_for_update(nowait=True).filter(pk=conv.pk).first()
            outcome.append("locked it")
        except DatabaseError:
            outcome.append("refused")
        finally:
            connection.close()

    with transaction.atomic():
        held = fetch_one(
            Conversation, where={"pk": conv.pk}, related=("assignee",), for_update=True
        )
        assert held is not None and held.assignee is None
        worker = threading.Thread(target=another_worker)
        worker.start()
        worker.join()
    assert outcome == ["refused"]
    # Once it ended, the row is free again.
    worker = threading.Thread(target=another_worker)
    worker.start()
    worker.join()
    assert outcome == ["refused", "locked it"]


def test_fetch_all_and_conditions_across_relations_and_on_null(channel, contact, agent):
    from blockdesk.common.plain_sql import fetch_all

    convs = [
        Conversation.objects.create(
            account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=n
        )
        for n in (21, 22, 23)
    ]
    Conversation.objects.filter(pk=convs[2].pk).update(assignee=agent)
    where = {"account": contact.account_id, "assignee": None, "inbox__name": channel.inbox.name}
    found = fetch_all(Conversation, where=where)
    assert sorted(c.pk for c in found) == [convs[0].pk, convs[1].pk]
    # The relation a condition names is joined and loaded, as with select_related.
    assert {c.inbox.name for c in found} == {channel.inbox.name}
    theirs = Conversation.objects.filter(
        account_id=contact.account_id, assignee=None, inbox__name=channel.inbox.name
    )
    assert sorted(_fields(c)["id"] for c in found) == sorted(c.pk for c in theirs)
    assert fetch_all(Conversation, where={**where, "inbox__name": "no such inbox"}) == []
    mine = fetch_one(Conversation, where={"pk": convs[2].pk, "assignee__username": agent.username})
    assert mine is not None and mine.assignee.pk == agent.pk
    assert fetch_one(Conversation, where={"pk": convs[2].pk, "assignee": None}) is None


def test_refresh_reloads_the_row_and_the_relations_named(
    channel, contact, agent, django_assert_num_queries
):
    from blockdesk.common.plain_sql import refresh

    conv = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=31
    )
    assert conv.inbox.name  # cached now; refresh drops what it was not asked to load
    Conversation.objects.filter(pk=conv.pk).update(assignee=agent, subject="已更新")
    with django_assert_num_queries(1):
        refresh(conv, related=("contact", "assignee"))
        assert conv.subject == "已更新" and conv.assignee_id == agent.pk
        assert conv.assignee.public_name == agent.public_name and conv.contact.pk == contact.pk
    with django_assert_num_queries(1):
        assert conv.inbox.pk == channel.inbox.pk  # read again
    Conversation.objects.filter(pk=conv.pk).delete()
    with pytest.raises(Conversation.DoesNotExist):
        refresh(conv)


def test_exists_answers_as_the_orm_does(channel, contact, agent, django_assert_num_queries):
    from blockdesk.common.plain_sql import exists

    conv = Conversation.objects.create(
        account_id=contact.account_id, inbox=channel.inbox, contact=contact, display_id=41
    )
    cases = [
        {"pk": conv.pk, "status": Conversation.Status.OPEN},
        {"pk": conv.pk, "status": Conversation.Status.PENDING},
        {"pk": conv.pk, "assignee": None},
        {"pk": conv.pk, "assignee": agent.pk},
        {"inbox__name": channel.inbox.name, "contact__name": contact.name},
        {"inbox__name": "elsewhere"},
    ]
    for where in cases:
        with django_assert_num_queries(1):
            mine = exists(Conversation, where=where)
        assert mine == Conversation.objects.filter(**where).exists(), where
    assert {exists(Conversation, where=w) for w in cases} == {True, False}
