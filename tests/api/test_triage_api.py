"""REST: a conversation's triage and the account's rules, read-only, scoped."""

from __future__ import annotations

import pytest

from blockdesk.triage import services
from blockdesk.triage.models import TriageRule
from tests.triage.conftest import write

pytestmark = pytest.mark.django_db


def test_a_conversations_triage_and_the_rules(api, channel, contact, admin_user, other_account):
    services.do_update_settings(
        actor=admin_user, reference_prices={"USDT": "1"}, reference_currency="USD",
        vip_tiers=[], urgent_at=60, high_at=30, set_priority=True,
    )  # fmt: skip
    case = write(channel, contact, "I lost 12000 USDT").conversation
    assert api.get(f"/api/v1/conversations/{case.pk}/triage").status_code == 404
    services.do_triage(conversation_id=case.pk)
    body = api.get(f"/api/v1/conversations/{case.pk}/triage").json()
    assert body["conversation_id"] == case.pk and body["score"] > 0
    [funds] = [r for r in body["reasons"] if r["code"] == "funds_at_stake"]
    assert funds["text"] == "funds at stake ≈ 12,000 USDT" and funds["part"] == "urgency"

    services.do_save_rule(
        actor=admin_user, rule=None, name="Mine", enabled=True, position=0,
        conditions={"keyword": ["x"]}, actions={"tags": ["y"]},
    )  # fmt: skip
    TriageRule.objects.create(
        account=other_account, name="Theirs", conditions={"keyword": ["x"]}, actions={}
    )
    rules = api.get("/api/v1/triage/rules").json()
    assert [r["name"] for r in rules] == ["Mine"]
    assert rules[0]["conditions"] == {"keyword": ["x"]}


def test_scope_and_account(make_token, api_for, channel, contact, other_account):
    case = write(channel, contact, "hello").conversation
    services.do_triage(conversation_id=case.pk)
    _token, plain = make_token(scopes=["contacts:read"])
    response = api_for(plain).get(f"/api/v1/conversations/{case.pk}/triage")
    assert response.status_code == 403
    from blockdesk.accounts.models import User
    from blockdesk.accounts.services import do_create_agent, do_create_api_token

    stranger = do_create_agent(
        account=other_account, username="eve", email="eve@example.com",
        password="correct-horse-battery-9", role=User.Role.ADMIN,
    )  # fmt: skip
    _token, theirs = do_create_api_token(actor=stranger, name="x", scopes=["conversations:read"])
    assert api_for(theirs).get(f"/api/v1/conversations/{case.pk}/triage").status_code == 404
