"""Events of triage's settings: an administrator (or an API token) created, changed or
deleted a rule. They are the audit log's rows (docs/audit.md); not in the webhook contract."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field

from blockdesk.events.registry import register_event_type

RULE_CREATED = "triage.rule_created"
RULE_UPDATED = "triage.rule_updated"
RULE_DELETED = "triage.rule_deleted"


class RuleFacts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rule_id: int
    name: str
    enabled: bool
    position: int
    conditions: dict[str, Any]
    actions: dict[str, Any]


class RuleUpdated(RuleFacts):
    changed: list[str] = Field(description="The fields that changed.")
    old: dict[str, Any] = Field(description="Their values before the change.")


register_event_type(
    name=RULE_CREATED,
    version=1,
    description="A triage rule was created (conditions → priority, team, tags).",
    payload=RuleFacts,
    label=gettext_lazy("Triage rule created"),
    public=False,
)
register_event_type(
    name=RULE_UPDATED,
    version=1,
    description="A triage rule was changed: its state after, and what it was before.",
    payload=RuleUpdated,
    label=gettext_lazy("Triage rule changed"),
    public=False,
)
register_event_type(
    name=RULE_DELETED,
    version=1,
    description="A triage rule was deleted: its last state.",
    payload=RuleFacts,
    label=gettext_lazy("Triage rule deleted"),
    public=False,
)
