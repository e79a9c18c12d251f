"""Writes of triage: the score of a case (and the priority it maps to), the admins' rules
and what they do, the settings. The conversation's priority, team and tags are changed
through the conversations services (their owner), as "Blockdesk" (no agent acted)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticError

from blockdesk.accounts.models import Team, User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import Forbidden, NotFound, ValidationFailed
from blockdesk.conversations import services as conv_services
from blockdesk.conversations.models import Conversation
from blockdesk.conversations.serializers import PRIORITY_BY_NAME, PRIORITY_NAMES
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.triage import rules as rule_logic
from blockdesk.triage import scoring, selectors
from blockdesk.triage.event_types import RULE_CREATED, RULE_DELETED, RULE_UPDATED
from blockdesk.triage.facts import gather
from blockdesk.triage.models import TriageRule, TriageRuleFiring, TriageScore, TriageSettings

logger = logging.getLogger(__name__)

RULE_KIND = "triage_rule"  # the timeline kind of a rule firing (timeline_kinds.py)
BY_TRIAGE = {"by": "triage"}
# Open cases are rescored at most this often without an event (their waiting time grows).
RESCORE_EVERY = dt.timedelta(minutes=2)
RESCORE_BATCH = 200


def do_triage(*, conversation_id: int, now: dt.datetime | None = None) -> TriageScore | None:
    """Score one case, store the score and its reasons, raise its priority when the score
    asks for it, and fire the rules that match. Idempotent: the same facts give the same
    row, and a rule fires once per case. Resolved cases keep their last score."""
    now = now or timezone.now()
    with transaction.atomic():
        conv = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("contact", "inbox", "triage")  # the score row: no query of its own
            .filter(pk=conversation_id)
            .first()
        )
        if conv is None or conv.status == Conversation.Status.RESOLVED:
            return None
        config = selectors.settings_for(account_id=int(conv.account_id))
        facts = gather(conversation=conv, prices=_prices(config))
        result = scoring.compute(
            facts, now=now, vip_tiers=frozenset(t.lower() for t in config.vip_tiers or [])
        )
        try:
            row = conv.triage
        except TriageScore.DoesNotExist:
            row = TriageScore(account_id=conv.account_id, conversation=conv)
        row.score, row.urgency, row.complexity = result.score, result.urgency, result.complexity
        row.reasons = [r.as_dict() for r in result.reasons]
        row.computed_at = now
        if config.set_priority:
            conv = _raise_priority(conv, row, config)
        conv = _fire_rules(conv, row, facts, now=now)
        row.full_clean(exclude=["account", "conversation"], validate_constraints=False)
        row.save()
        return row


def _prices(config: TriageSettings) -> dict[str, str]:
    return {str(k).upper(): str(v) for k, v in (config.reference_prices or {}).items()}


def _raise_priority(conv: Conversation, row: TriageScore, config: TriageSettings) -> Conversation:
    """Triage only raises: to the score's priority when it is more urgent than both the
    case's and the one triage set last (an agent who lowered it is not overruled until the
    case gets worse). Lowering is left to people and rules."""
    wanted = scoring.priority_for(row.score, urgent_at=config.urgent_at, high_at=config.high_at)
    if wanted is None or wanted >= conv.priority:
        return conv
    if row.applied_priority is not None and wanted >= row.applied_priority:
        return conv
    row.applied_priority = wanted
    return conv_services.do_change_priority(
        actor=None,
        conversation=conv,
        priority=PRIORITY_NAMES[Conversation.Priority(wanted)],
        event_extra={**BY_TRIAGE, "score": row.score},
    )


def _fire_rules(
    conv: Conversation, row: TriageScore, facts: Any, *, now: dt.datetime
) -> Conversation:
    rules = list(selectors.rules(account_id=int(conv.account_id)).filter(enabled=True))
    if not rules:
        return conv  # most accounts: no rules, and no firings to read
    fired = set(
        TriageRuleFiring.objects.filter(conversation=conv).values_list("rule_id", flat=True)
    )
    for rule in rules:
        if rule.pk in fired:
            continue
        try:
            conditions = rule_logic.Conditions.model_validate(rule.conditions)
            actions = rule_logic.Actions.model_validate(rule.actions)
        except PydanticError:
            logger.warning("triage rule %s is not valid; skipped", rule.pk)
            continue
        if not rule_logic.matches(conditions, facts):
            continue
        conv, applied = _apply(conv, row, actions)
        TriageRuleFiring.objects.create(rule=rule, conversation=conv, fired_at=now, applied=applied)
        conv_services.do_record_event(
            conversation=conv,
            kind=RULE_KIND,
            data={"rule_id": rule.pk, "rule_name": rule.name, "applied": applied},
        )
    return conv


def _apply(
    conv: Conversation, row: TriageScore, actions: rule_logic.Actions
) -> tuple[Conversation, dict[str, Any]]:
    applied: dict[str, Any] = {}
    extra: dict[str, object] = dict(BY_TRIAGE)
    if actions.priority and PRIORITY_BY_NAME[actions.priority] != conv.priority:
        conv = conv_services.do_change_priority(
            actor=None, conversation=conv, priority=actions.priority, event_extra=extra
        )
        row.applied_priority = int(conv.priority)
        applied["priority"] = actions.priority
    if actions.team_id and actions.team_id != conv.team_id:
        team = Team.objects.filter(account_id=conv.account_id, pk=actions.team_id).first()
        if team is not None:  # a team deleted since the rule was written is skipped
            conv = conv_services.do_assign(
                actor=None,
                conversation=conv,
                assignee=conv.assignee,
                team=team,
                set_team=True,
                event_extra=extra,
            )
            applied["team_id"] = team.pk
            applied["team_name"] = team.name
    if actions.tags:
        current = sorted(t.name for t in conv.tags.all())
        added = [t for t in actions.tags if t not in current]
        if added:
            conv = conv_services.do_set_tags(
                actor=None, conversation=conv, names=current + added, event_extra=extra
            )
            applied["tags"] = added
    return conv, applied


def do_rescore_waiting(*, now: dt.datetime | None = None) -> int:
    """Periodic: rescore open and pending cases not scored for a while (waiting time grows
    without any event). Each case in its own transaction; returns how many."""
    now = now or timezone.now()
    due = list(
        TriageScore.objects.filter(
            conversation__status__in=["open", "pending"], computed_at__lt=now - RESCORE_EVERY
        )
        .order_by("computed_at")
        .values_list("conversation_id", flat=True)[:RESCORE_BATCH]
    )
    for conversation_id in due:
        do_triage(conversation_id=conversation_id, now=now)
    return len(due)


# --- settings and rules (administrators) ---------------------------------------------


def _symbol(raw: str) -> str:
    symbol = raw.strip().upper()
    if not symbol or len(symbol) > 12 or not symbol.isalnum():
        raise ValidationFailed.field(
            "reference_prices", _("“%(s)s” is not a token symbol.") % {"s": raw[:20]}
        )
    return symbol


def check_prices(prices: dict[str, Any]) -> dict[str, str]:
    if len(prices) > 200:
        raise ValidationFailed.field("reference_prices", _("At most 200 reference prices."))
    clean: dict[str, str] = {}
    for raw, value in prices.items():
        try:
            price = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValidationFailed.field(
                "reference_prices", _("“%(v)s” is not a price.") % {"v": str(value)[:30]}
            ) from exc
        if not price.is_finite() or price <= 0 or price >= Decimal("1e15"):
            raise ValidationFailed.field(
                "reference_prices", _("A price is a positive number below 10^15.")
            )
        clean[_symbol(str(raw))] = format(price.normalize(), "f")
    return clean


def do_update_settings(
    *,
    actor: User,
    reference_prices: dict[str, Any],
    reference_currency: str,
    vip_tiers: list[str],
    urgent_at: int,
    high_at: int,
    set_priority: bool,
) -> TriageSettings:
    check_admin(actor=actor)
    if not 0 < high_at <= urgent_at <= 100:
        raise ValidationFailed.field("high_at", _("The thresholds go 0 < high ≤ urgent ≤ 100."))
    tiers = sorted({t.strip().lower() for t in vip_tiers if t.strip()})
    if any(len(t) > 40 for t in tiers) or len(tiers) > 20:
        raise ValidationFailed.field("vip_tiers", _("At most 20 tiers of 40 characters."))
    currency = reference_currency.strip().upper()[:12] or "USD"
    with transaction.atomic():
        row = TriageSettings.objects.select_for_update().filter(account_id=actor.account_pk).first()
        row = row or TriageSettings(account_id=actor.account_pk)
        row.reference_prices = check_prices(reference_prices)
        row.reference_currency = currency
        row.vip_tiers = tiers
        row.urgent_at, row.high_at, row.set_priority = urgent_at, high_at, set_priority
        row.full_clean(exclude=["account"])
        row.save()
    return row


def _account_of(actor: User | None, account_id: int | None, api_token_id: int | None) -> int:
    """Who edits rules: an administrator (console, or the API from their session), or an
    account's API token with the `triage:write` scope (checked by the API)."""
    if actor is not None:
        check_admin(actor=actor)
        return actor.account_pk
    if account_id is None or api_token_id is None:
        raise Forbidden(_("Only administrators can do this."))
    return account_id


def check_rule(
    *, account_id: int, conditions: dict[str, Any], actions: dict[str, Any]
) -> tuple[rule_logic.Conditions, rule_logic.Actions]:
    try:
        cond = rule_logic.Conditions.model_validate(conditions)
    except PydanticError as exc:
        raise ValidationFailed.field("conditions", _("The conditions are not valid.")) from exc
    try:
        act = rule_logic.Actions.model_validate(actions)
    except PydanticError as exc:
        raise ValidationFailed.field("actions", _("The actions are not valid.")) from exc
    if cond.is_empty():
        raise ValidationFailed.field("conditions", _("Give at least one condition."))
    if act.is_empty():
        raise ValidationFailed.field("actions", _("Give at least one action."))
    if act.team_id and not Team.objects.filter(account_id=account_id, pk=act.team_id).exists():
        raise ValidationFailed.field("team_id", _("No such team."))
    return cond, act


AUDITED = ("name", "enabled", "position", "conditions", "actions")


def _facts(rule: TriageRule) -> dict[str, Any]:
    return {"rule_id": rule.pk, **{name: getattr(rule, name) for name in AUDITED}}


def _emit(
    name: str, rule: TriageRule, *, actor: User | None, api_token_id: int | None, **extra: object
) -> None:
    """The audit row (docs/audit.md: the audit log is the event log), in the transaction of
    the change it records."""
    if actor is not None:
        who = Actor.agent(actor.pk)
    elif api_token_id is not None:
        who = Actor.api_token(api_token_id)
    else:
        who = Actor.system()
    emit(
        account_id=int(rule.account_id),
        name=name,
        payload={**_facts(rule), **extra},
        actor=who,
        subject=Subject("triage_rule", rule.pk),
    )


def do_save_rule(
    *,
    actor: User | None,
    rule: TriageRule | None,
    name: str,
    enabled: bool,
    position: int,
    conditions: dict[str, Any],
    actions: dict[str, Any],
    account_id: int | None = None,
    api_token_id: int | None = None,
) -> TriageRule:
    """Create (`rule=None`) or change a rule, with its audit event. Its firings are kept:
    editing a rule does not replay it on the cases it already fired on (docs/triage.md)."""
    account = _account_of(actor, account_id, api_token_id)
    cond, act = check_rule(account_id=account, conditions=conditions, actions=actions)
    if rule is not None and rule.account_id != account:
        raise NotFound()
    before = _facts(rule) if rule is not None else None
    row = rule or TriageRule(account_id=account)
    row.name = name.strip()
    row.enabled = enabled
    row.position = max(0, min(position, 10_000))
    row.conditions = cond.model_dump(mode="json", exclude_defaults=True)
    row.actions = act.model_dump(mode="json", exclude_defaults=True)
    try:
        row.full_clean(exclude=["account"], validate_unique=False, validate_constraints=False)
    except DjangoValidationError as exc:
        if not row.name:
            raise ValidationFailed.field("name", _("Give the rule a name.")) from exc
        raise ValidationFailed.from_django(exc) from exc  # e.g. a name too long
    try:
        with transaction.atomic():
            row.save()
            if before is None:
                _emit(RULE_CREATED, row, actor=actor, api_token_id=api_token_id)
            else:
                after = _facts(row)
                changed = [k for k in AUDITED if before[k] != after[k]]
                old = {k: before[k] for k in changed}
                _emit(
                    RULE_UPDATED,
                    row,
                    actor=actor,
                    api_token_id=api_token_id,
                    changed=changed,
                    old=old,
                )
    except IntegrityError as exc:
        raise ValidationFailed.field("name", _("A rule with this name exists.")) from exc
    return row


def do_delete_rule(
    *,
    actor: User | None,
    rule: TriageRule,
    account_id: int | None = None,
    api_token_id: int | None = None,
) -> None:
    account = _account_of(actor, account_id, api_token_id)
    if rule.account_id != account:
        raise NotFound()
    with transaction.atomic():
        _emit(RULE_DELETED, rule, actor=actor, api_token_id=api_token_id)
        rule.delete()
