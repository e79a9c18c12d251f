"""Who works in the account is on the event log: agents added, their role changed,
deactivated and reactivated, each one event in the change's transaction, never a
password or an email address."""

from __future__ import annotations

import pytest

from blockdesk.accounts import services as accounts
from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import ValidationFailed
from tests.conftest import PASSWORD
from tests.support.event_log import (
    assert_rolled_back_change_writes_nothing,
    events_after,
    last_event_id,
    only_event,
)

pytestmark = pytest.mark.django_db


def _add(account: Account, admin: User | None) -> User:
    return accounts.do_create_agent(
        account=account,
        username="carol",
        email="carol@example.com",
        password=PASSWORD,
        display_name="Carol",
        actor=admin,
    )


def test_adding_an_agent_writes_agent_added_without_secrets(account, admin_user) -> None:
    event, carol = only_event(lambda: _add(account, admin_user), "agent.added")
    assert (event.actor_kind, event.actor_id) == ("agent", admin_user.pk)
    assert (event.subject_type, event.subject_id) == ("agent", carol.pk)
    assert event.account_id == account.pk
    assert event.payload == {
        "agent": {
            "id": carol.pk,
            "username": "carol",
            "display_name": "Carol",
            "role": "agent",
            "active": True,
        }
    }
    stored = str(event.payload)
    assert PASSWORD not in stored and carol.password not in stored
    assert "carol@example.com" not in stored


def test_an_agent_added_by_set_up_is_the_systems_doing(account) -> None:
    event, _carol = only_event(lambda: _add(account, None), "agent.added")
    assert (event.actor_kind, event.actor_id) == ("system", None)


def test_a_refused_agent_writes_nothing(account, admin_user) -> None:
    before = last_event_id()
    with pytest.raises(ValidationFailed):
        accounts.do_create_agent(
            account=account, username="dave", email="x", password="short", actor=admin_user
        )
    assert events_after(before) == []


def test_role_change_and_deactivation_write_one_event_each(account, admin_user, agent) -> None:
    def update(role: str, active: bool) -> User:
        return accounts.do_update_agent(
            actor=admin_user, agent=agent, role=role, display_name="Alice", is_active=active
        )

    event, _ = only_event(lambda: update("admin", True), "agent.role_changed")
    assert (event.payload["old"], event.payload["new"]) == ("agent", "admin")
    assert event.payload["agent"]["role"] == "admin"
    assert (event.actor_kind, event.actor_id) == ("agent", admin_user.pk)
    assert (event.subject_type, event.subject_id) == ("agent", agent.pk)

    event, _ = only_event(lambda: update("admin", False), "agent.deactivated")
    assert event.payload["agent"] == {
        "id": agent.pk, "username": "alice", "display_name": "Alice", "role": "admin",
        "active": False,
    }  # fmt: skip
    event, _ = only_event(lambda: update("admin", True), "agent.reactivated")
    assert event.payload["agent"]["active"] is True

    # A name change alone is no event; both at once are two.
    before = last_event_id()
    update("admin", True)
    assert events_after(before) == []
    update("agent", False)
    assert [e.name for e in events_after(before)] == ["agent.role_changed", "agent.deactivated"]


def test_a_rolled_back_agent_change_writes_no_event(account, admin_user, agent) -> None:
    assert_rolled_back_change_writes_nothing(lambda: _add(account, admin_user))
    assert_rolled_back_change_writes_nothing(
        lambda: accounts.do_update_agent(
            actor=admin_user, agent=agent, role="admin", display_name="A", is_active=False
        )
    )
    agent.refresh_from_db()
    assert (agent.role, agent.is_active) == ("agent", True)
