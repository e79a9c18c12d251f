"""Writes of the status page: components and their state, incidents and maintenance with
updates. Each change and its typed event commit together; the event consumer emails the
status list's subscribers and the webhooks app delivers the events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from blockdesk.accounts.models import User
from blockdesk.chain.models import Chain
from blockdesk.common.errors import Forbidden, ValidationFailed
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit
from blockdesk.safety.fields import check_no_secret
from blockdesk.statuspage.event_types import ComponentChanged, IncidentUpdated
from blockdesk.statuspage.models import (
    SEVERITY,
    Component,
    Incident,
    IncidentUpdate,
    State,
    StateChange,
)

LIST_NAME = "status"
CLOSED = {Incident.Status.RESOLVED, Incident.Status.COMPLETED}
INCIDENT_FLOW = {"investigating", "identified", "monitoring", "resolved"}
MAINTENANCE_FLOW = {"scheduled", "in_progress", "completed"}


def check_can_write(*, actor: User) -> None:
    if not actor.is_active or not actor.is_account_admin:
        raise Forbidden(_("Only administrators can change the status page."))


def _own(actor: User, obj: Component | Incident) -> None:
    if obj.account_id != actor.account_id:
        raise Forbidden()


def do_create_component(
    *,
    actor: User,
    key: str,
    name: str,
    name_zh: str = "",
    group: str = "",
    chain_id: int | None = None,
    topics: Iterable[str] = (),
    position: int = 0,
) -> Component:
    check_can_write(actor=actor)
    assert actor.account_id is not None
    if (
        chain_id is not None
        and not Chain.objects.filter(pk=chain_id, account_id=actor.account_id).exists()
    ):
        raise ValidationFailed.field("chain", _("Unknown chain."))
    with transaction.atomic():
        if Component.objects.filter(account_id=actor.account_id, key=key).exists():
            raise ValidationFailed.field("key", _("Another component uses this key."))
        component = Component(
            account_id=actor.account_id,
            key=key,
            name=name.strip(),
            name_zh=name_zh.strip(),
            group=group.strip(),
            chain_id=chain_id,
            position=position,
            topics=[t.strip().lower() for t in topics if t.strip()][:20],
        )
        component.full_clean()
        component.save()
        StateChange.objects.create(component=component, state=component.state, at=timezone.now())
    return component


def set_state(
    component: Component,
    state: str,
    *,
    actor: Actor,
    automatic: bool = False,
    reason: str = "",
    now: dt.datetime | None = None,
) -> bool:
    """Inside a transaction. False when nothing changed."""
    if state not in State.values:
        raise ValidationFailed.field("state", _("Unknown state."))
    if component.state == state:
        return False
    old = component.state
    component.state = state
    component.auto_state = automatic
    component.save(update_fields=["state", "auto_state"])
    StateChange.objects.create(
        component=component,
        state=state,
        at=now or timezone.now(),
        automatic=automatic,
        reason=reason[:200],
    )
    emit(
        account_id=component.account_id,
        name="status.component_changed",
        payload=ComponentChanged(
            component=component.key, old=old, new=state, automatic=automatic, reason=reason[:200]
        ),
        actor=actor,
        subject=Subject("status_component", component.pk),
    )
    return True


def do_set_component_state(*, actor: User, component: Component, state: str) -> Component:
    check_can_write(actor=actor)
    _own(actor, component)
    with transaction.atomic():
        component = Component.objects.select_for_update().get(pk=component.pk)
        set_state(component, state, actor=Actor.agent(actor.pk))
    return component


def _clean_text(actor: User, *, title: str | None = None, body: str) -> None:
    if title is not None and not title.strip():
        raise ValidationFailed.field("title", _("Give the incident a title."))
    if len(body) > 5000 or (title and len(title) > 200):
        raise ValidationFailed.field("body", _("This text is too long."))
    if not body.strip():
        raise ValidationFailed.field("body", _("Write what customers should know."))
    for field, text in (("title", title or ""), ("body", body)):
        check_no_secret(text, field=field, account_id=actor.account_id)


def _worst_open_impact(component: Component, *, excluding: int = 0) -> str:
    impacts = [
        incident.impact
        for incident in component.incidents.filter(resolved_at__isnull=True)
        .exclude(status=Incident.Status.SCHEDULED)
        .exclude(pk=excluding)
    ]
    return max(impacts, key=lambda s: SEVERITY[State(s)], default=State.OPERATIONAL)


def _apply_impact(incident: Incident, *, actor: Actor, now: dt.datetime) -> None:
    closed = incident.status in CLOSED
    for component in incident.components.select_for_update():
        if closed or incident.status == Incident.Status.SCHEDULED:
            wanted = _worst_open_impact(component, excluding=incident.pk)
        else:
            wanted = max(
                incident.impact, _worst_open_impact(component), key=lambda s: SEVERITY[State(s)]
            )
        set_state(component, wanted, actor=actor, now=now)


def _emit_update(incident: Incident, update: IncidentUpdate, *, actor: Actor, opened: bool) -> None:
    emit(
        account_id=incident.account_id,
        name="status.incident_updated",
        payload=IncidentUpdated(
            incident_id=incident.pk,
            update_id=update.pk,
            kind=incident.kind,
            title=incident.title,
            status=update.status,
            impact=incident.impact,
            components=sorted(c.key for c in incident.components.all()),
            body=update.body,
            opened=opened,
            resolved=incident.status in CLOSED,
        ),
        actor=actor,
        subject=Subject("status_incident", incident.pk),
    )


def do_open_incident(
    *,
    actor: User,
    title: str,
    body: str,
    component_ids: Iterable[int],
    impact: str = State.DEGRADED,
    kind: str = Incident.Kind.INCIDENT,
    scheduled_start: dt.datetime | None = None,
    scheduled_end: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Incident:
    check_can_write(actor=actor)
    _clean_text(actor, title=title, body=body)
    if impact not in State.values or impact == State.OPERATIONAL:
        raise ValidationFailed.field("impact", _("Choose how the components are affected."))
    assert actor.account_id is not None
    now = now or timezone.now()
    ids = set(component_ids)
    components = list(Component.objects.filter(account_id=actor.account_id, pk__in=ids))
    if len(components) != len(ids):
        raise ValidationFailed.field("components", _("Unknown component."))
    if kind == Incident.Kind.MAINTENANCE:
        if scheduled_start is None or scheduled_end is None or scheduled_end <= scheduled_start:
            raise ValidationFailed.field("scheduled_end", _("Give a start and a later end."))
        status = Incident.Status.SCHEDULED if scheduled_start > now else Incident.Status.IN_PROGRESS
    else:
        status = Incident.Status.INVESTIGATING
    with transaction.atomic():
        incident = Incident(
            account_id=actor.account_id,
            kind=kind,
            title=title.strip(),
            status=status,
            impact=impact,
            scheduled_start=scheduled_start,
            scheduled_end=scheduled_end,
            started_at=(scheduled_start or now) if kind == Incident.Kind.MAINTENANCE else now,
            created_by=actor,
        )
        incident.full_clean()
        incident.save()
        incident.components.set(components)
        update = IncidentUpdate.objects.create(
            incident=incident, status=status, body=body.strip(), created_at=now, author=actor
        )
        _apply_impact(incident, actor=Actor.agent(actor.pk), now=now)
        _emit_update(incident, update, actor=Actor.agent(actor.pk), opened=True)
    return incident


def do_post_update(
    *, actor: User, incident: Incident, status: str, body: str, now: dt.datetime | None = None
) -> IncidentUpdate:
    check_can_write(actor=actor)
    _own(actor, incident)
    _clean_text(actor, body=body)
    flow = MAINTENANCE_FLOW if incident.kind == Incident.Kind.MAINTENANCE else INCIDENT_FLOW
    if status not in flow:
        raise ValidationFailed.field("status", _("This status does not apply here."))
    now = now or timezone.now()
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.resolved_at is not None:
            raise ValidationFailed.field("status", _("This incident is closed."))
        incident.status = status
        if status in CLOSED:
            incident.resolved_at = now
        incident.full_clean()
        incident.save(update_fields=["status", "resolved_at"])
        update = IncidentUpdate.objects.create(
            incident=incident, status=status, body=body.strip(), created_at=now, author=actor
        )
        _apply_impact(incident, actor=Actor.agent(actor.pk), now=now)
        _emit_update(incident, update, actor=Actor.agent(actor.pk), opened=False)
    return update
