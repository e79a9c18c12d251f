"""Triage rescoring, run by its consumer for every message, assignment and status change
of a case: its statement count for a case with messages, no rules and one with a rule."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blockdesk.triage import services
from blockdesk.triage.models import TriageScore
from tests.triage.conftest import write

# Measured on SQLite: RESCORE with no rules, RESCORE_WITH_RULE with one enabled rule that
# does not match (15 and 16 before the score row came with the case and the firings
# were read only when the account has rules).
RESCORE_MAX_QUERIES = 13
RESCORE_WITH_RULE_MAX_QUERIES = 14

pytestmark = pytest.mark.django_db


def _queries(conversation_id: int) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        services.do_triage(conversation_id=conversation_id)
    return [q["sql"] for q in ctx.captured_queries]


def test_rescoring_a_case_stays_within_its_query_budget(channel, contact, admin_user):
    case = write(channel, contact, "I sent 2 ETH to the wrong network, tx 0xabc").conversation
    write(channel, contact, "please help", conversation=case)
    services.do_triage(conversation_id=case.pk)  # the settings row and the score exist
    queries = _queries(case.pk)
    assert len(queries) <= RESCORE_MAX_QUERIES
    assert TriageScore.objects.filter(conversation=case).exists()

    services.do_save_rule(
        actor=admin_user, rule=None, name="Never", enabled=True, position=0,
        conditions={"keyword": ["zzz-not-said"]}, actions={"tags": ["n"]},
    )  # fmt: skip
    assert len(_queries(case.pk)) <= RESCORE_WITH_RULE_MAX_QUERIES
