"""Reads of triage. Callers pass conversations they reached through a scoped selector
(`visible_conversations`…) or an account they act in: nothing here widens access."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from blockdesk.accounts.models import User
from blockdesk.common.errors import NotFound
from blockdesk.triage.models import TriageRule, TriageScore, TriageSettings


def settings_for(*, account_id: int) -> TriageSettings:
    """The account's settings, or unsaved defaults."""
    found = TriageSettings.objects.filter(account_id=account_id).first()
    return found or TriageSettings(account_id=account_id)


def scores_for(*, conversation_ids: Iterable[int]) -> dict[int, TriageScore]:
    return {
        s.conversation_id: s
        for s in TriageScore.objects.filter(conversation_id__in=list(conversation_ids))
    }


def score_for(*, conversation_id: int) -> TriageScore | None:
    return TriageScore.objects.filter(conversation_id=conversation_id).first()


def rules(*, account_id: int) -> QuerySet[TriageRule]:
    return TriageRule.objects.filter(account_id=account_id).order_by("position", "id")


def get_rule(*, user: User, rule_id: int) -> TriageRule:
    rule = rules(account_id=user.account_pk).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound()
    return rule
