from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, transaction
from pydantic import BaseModel

from blockdesk.accounts.models import Account
from blockdesk.events.models import Event
from blockdesk.events.registry import (
    Actor,
    InvalidEventPayload,
    Subject,
    UnknownEventType,
    json_schema,
    register_event_type,
)
from blockdesk.events.services import EmitOutsideTransaction, emit, envelope
from tests.events import support


def _emit(account: Account, payload: object, name: str = support.PING) -> Event:
    return emit(
        account_id=account.pk,
        name=name,
        payload=payload,  # type: ignore[arg-type]
        actor=Actor.agent(7),
        subject=Subject("conversation", 42),
    )


@pytest.mark.django_db(transaction=True)
def test_emit_inside_atomic_records_the_typed_event(account: Account) -> None:
    with transaction.atomic():
        event = _emit(account, {"n": "3"})  # coerced by the model
    stored = Event.objects.get(pk=event.pk)
    assert (stored.name, stored.version, stored.payload) == (support.PING, 2, {"n": 3, "note": ""})
    assert (stored.actor_kind, stored.actor_id) == ("agent", 7)
    assert (stored.subject_type, stored.subject_id) == ("conversation", 42)
    if connection.vendor == "postgresql":
        assert stored.txid is not None and stored.txid == event.txid  # set by the INSERT
    else:
        assert stored.txid is None
    assert envelope(stored)["data"] == {"n": 3, "note": ""}


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused(account: Account) -> None:
    with pytest.raises(EmitOutsideTransaction):
        _emit(account, support.Pinged(n=1))
    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_event(account: Account) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _emit(account, support.Pinged(n=1))
        raise RuntimeError("the change failed")
    assert not Event.objects.exists()


def test_payload_is_validated(account: Account) -> None:
    with pytest.raises(InvalidEventPayload):
        _emit(account, {"n": "not a number"})
    with pytest.raises(InvalidEventPayload):
        _emit(account, {"n": 1, "unexpected": True})
    with pytest.raises(InvalidEventPayload):
        _emit(account, support.OtherHappened(flag=True))  # the wrong model
    with pytest.raises(UnknownEventType):
        _emit(account, {"n": 1}, name="test.never_registered")
    assert not Event.objects.exists()


def test_a_name_registered_twice_differently_is_an_error() -> None:
    class Other(BaseModel):
        x: int

    with pytest.raises(ImproperlyConfigured):
        register_event_type(name=support.PING, version=3, description="x", payload=Other)
    with pytest.raises(ImproperlyConfigured):
        register_event_type(name="NoDot", version=1, description="x", payload=Other)


def test_json_schema_is_the_envelope_with_the_payload(capsys: pytest.CaptureFixture[str]) -> None:
    schema = json_schema(support.PING)
    assert schema["properties"]["name"] == {"const": support.PING}
    assert schema["properties"]["version"] == {"const": 2}
    assert schema["properties"]["data"]["required"] == ["n"]
    assert "id" in schema["required"]
    call_command("events", "schemas", support.PING)
    printed = json.loads(capsys.readouterr().out)
    assert printed[support.PING]["title"] == support.PING
