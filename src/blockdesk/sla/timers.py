"""The periodic job that fires SLA warnings and breaches when they fall due, each once.

A clock is claimed by a conditional UPDATE (`warned_at` / `breached_at` still empty) in the
same transaction as its actions, so two nodes running the job at once fire it once, and an
action that fails rolls the claim back: the next run tries again. Every firing is a line on
the conversation's timeline; the actions go through their owners' services (conversations
for priority, assignee and team; notifications for alerts)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts import selectors as account_selectors
from blockdesk.accounts.models import Team, User
from blockdesk.common.errors import BlockdeskError
from blockdesk.conversations import services as conversation_services
from blockdesk.conversations.models import Conversation
from blockdesk.conversations.serializers import PRIORITY_NAMES
from blockdesk.notifications.agent_alerts import do_alert_agents
from blockdesk.sla.models import SlaClock, Target

logger = logging.getLogger(__name__)
BATCH = 500
KIND_WARNING = "sla_warning"
KIND_BREACHED = "sla_breached"
Running = SlaClock.State.RUNNING


def team_leads(team: Team | None) -> list[User]:
    """A team's leads: its members flagged as team lead (Settings → Teams)."""
    return account_selectors.team_leads(team_id=team.pk if team is not None else None)


def _admins(account_id: int) -> list[User]:
    return account_selectors.account_admins(account_id=account_id)


def _owner_or_leads(conversation: Conversation) -> list[User]:
    if conversation.assignee is not None and conversation.assignee.is_active:
        return [conversation.assignee]
    return team_leads(conversation.team) or _admins(conversation.account_id)


def _target_label(target: str) -> str:
    return str(Target(target).label) if target in Target.values else target


def _alert(conversation: Conversation, users: list[User], kind: str, text: str) -> list[str]:
    subject = _("[Blockdesk] #%(number)s: %(text)s") % {
        "number": conversation.display_id,
        "text": text,
    }
    alerted = do_alert_agents(
        conversation=conversation, users=users, kind=kind, subject=subject, text=text
    )
    return [u.public_name for u in alerted]


def _warn(clock: SlaClock, conversation: Conversation, now: dt.datetime) -> None:
    policy = clock.policy
    data: dict[str, Any] = {
        "target": clock.target,
        "policy": policy.name,
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "percent": policy.warn_percent,
        "notified": [],
    }
    if policy.notify_on_warning:
        text = _("%(target)s due soon (%(percent)s %% of the SLA used)") % {
            "target": _target_label(clock.target),
            "percent": policy.warn_percent,
        }
        data["notified"] = _alert(conversation, _owner_or_leads(conversation), KIND_WARNING, text)
    conversation_services.do_record_event(conversation=conversation, kind=KIND_WARNING, data=data)


def _breach(clock: SlaClock, conversation: Conversation, now: dt.datetime) -> None:
    policy = clock.policy
    actions: list[str] = []
    extra: dict[str, object] = {"sla_policy": policy.name}
    data: dict[str, Any] = {
        "target": clock.target,
        "policy": policy.name,
        "due_at": clock.due_at.isoformat() if clock.due_at else None,
        "notified": [],
        "actions": actions,
    }
    if policy.breach_raise_priority and conversation.priority > Conversation.Priority.URGENT:
        raised = PRIORITY_NAMES[Conversation.Priority(conversation.priority - 1)]
        conversation = conversation_services.do_change_priority(
            actor=None, conversation=conversation, priority=raised, event_extra=extra
        )
        actions.append("raise_priority")
    escalate_to = policy.breach_escalate_team
    if escalate_to is not None and conversation.team_id != escalate_to.pk:
        conversation = conversation_services.do_assign(
            actor=None,
            conversation=conversation,
            assignee=conversation.assignee,
            team=escalate_to,
            set_team=True,
            event_extra=extra,
        )
        actions.append("escalate")
    new_assignee = policy.breach_reassign_to
    if new_assignee is not None and conversation.assignee_id != new_assignee.pk:
        try:
            # A savepoint: a refused assignment (agent deactivated, no inbox access) is
            # recorded, the other actions still happen.
            with transaction.atomic():
                conversation = conversation_services.do_assign(
                    actor=None,
                    conversation=conversation,
                    assignee=new_assignee,
                    event_extra=extra,
                )
            actions.append("reassign")
        except BlockdeskError:
            actions.append("reassign_refused")
    conversation = Conversation.objects.select_related("assignee", "team").get(pk=conversation.pk)
    if "escalate" in actions and not policy.notify_on_breach:
        # Escalating is handing the case to a lead: the escalation team's leads (else the
        # administrators) hear of it even when the policy notifies nobody else.
        text = _("Escalated to %(team)s: %(target)s SLA breached") % {
            "team": escalate_to.name if escalate_to is not None else "",
            "target": _target_label(clock.target),
        }
        users = team_leads(escalate_to) or _admins(conversation.account_id)
        data["notified"] = _alert(conversation, users, KIND_BREACHED, text)
    if policy.notify_on_breach:
        text = _("%(target)s SLA breached (policy “%(policy)s”)") % {
            "target": _target_label(clock.target),
            "policy": policy.name,
        }
        users = _owner_or_leads(conversation)
        if escalate_to is not None:
            users += team_leads(escalate_to) or _admins(conversation.account_id)
        elif conversation.team is not None:
            users += team_leads(conversation.team)
        data["notified"] = _alert(conversation, users, KIND_BREACHED, text)
    conversation_services.do_record_event(conversation=conversation, kind=KIND_BREACHED, data=data)


def _fire(pk: int, now: dt.datetime, *, breach: bool) -> bool:
    field = "breached_at" if breach else "warned_at"
    try:
        with transaction.atomic():
            claim: dict[str, Any] = {field: now}
            if breach:
                claim["warn_at"] = None  # no warning after the breach
            claimed = SlaClock.objects.filter(
                pk=pk, state=Running, **{f"{field}__isnull": True}
            ).update(**claim)
            if not claimed:
                return False
            clock = SlaClock.objects.select_related(
                "policy", "policy__breach_reassign_to", "policy__breach_escalate_team"
            ).get(pk=pk)
            conversation = Conversation.objects.select_related("assignee", "team").get(
                pk=clock.conversation_id
            )
            (_breach if breach else _warn)(clock, conversation, now)
            return True
    except Exception:
        # Broad on purpose: one clock per transaction in a periodic sweep; whatever one
        # clock's warning or breach raises (reassignment refused, a deleted team, the
        # database), it rolls back alone, is logged with its traceback and the claim
        # being undone, the next run tries again, and the other clocks still fire.
        logger.exception("SLA %s of clock %s failed; retried next run", field, pk)
        return False


def do_fire_due_timers(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Warnings whose time has come (`warn_at <= now`), then breaches (`due_at < now`: a
    reply at the deadline itself is still in time)."""
    now = now or timezone.now()
    running = SlaClock.objects.filter(state=Running)
    warn_ids = list(
        running.filter(warned_at__isnull=True, breached_at__isnull=True, warn_at__lte=now)
        .order_by("warn_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    breach_ids = list(
        running.filter(breached_at__isnull=True, due_at__lt=now)
        .order_by("due_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    warned = sum(_fire(pk, now, breach=False) for pk in warn_ids if pk not in breach_ids)
    breached = sum(_fire(pk, now, breach=True) for pk in breach_ids)
    return {"warned": warned, "breached": breached}
