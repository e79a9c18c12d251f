"""Account writes beyond accounts/services.py: an agent's own profile and team edits."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Team, TeamMembership, User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import Conflict, NotFound, ValidationFailed
from blockdesk.events.registry import Actor, Subject
from blockdesk.events.services import emit


def do_update_own_profile(*, user: User, display_name: str, preferred_language: str) -> User:
    """Any agent may change their own name and language; nothing else about themselves."""
    codes = {code for code, _name in settings.LANGUAGES}
    if preferred_language and preferred_language not in codes:
        raise ValidationFailed.field("preferred_language", _("Unknown language."))
    user.display_name = display_name.strip()
    user.preferred_language = preferred_language
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    user.save(update_fields=["display_name", "preferred_language"])
    return user


def do_update_team(
    *,
    actor: User,
    team: Team,
    name: str,
    members: Sequence[User],
    leads: Sequence[User] | None = None,
) -> Team:
    """`leads` None keeps the leads who stay members; a list sets them (each must be a
    member of the team)."""
    check_admin(actor=actor)
    if team.account_id != actor.account_pk:
        raise NotFound()
    team.name = name.strip()
    kept = [m for m in members if m.account_id == actor.account_id]
    if leads is not None and {u.pk for u in leads} - {m.pk for m in kept}:
        raise ValidationFailed.field("leads", _("A team lead must be a member of the team."))
    try:
        team.full_clean(validate_constraints=False)
        with transaction.atomic():
            team.save(update_fields=["name"])
            team.members.set(kept)
            if leads is not None:
                _set_leads(team, {u.pk for u in leads}, actor=actor)
    except ValidationError as exc:
        raise ValidationFailed.from_django(exc) from exc
    except IntegrityError as exc:
        raise Conflict(_("A team with this name exists already.")) from exc
    return team


def do_delete_team(*, actor: User, team: Team) -> None:
    check_admin(actor=actor)
    if team.account_id != actor.account_pk:
        raise NotFound()
    team.delete()


def _lead_changed(
    membership: TeamMembership, *, lead: bool, actor: User | None, api_token_id: int | None
) -> None:
    """An audit row (security-relevant: `agent.` events): a lead reads their team's
    per-agent reports."""
    agent, team = membership.user, membership.team
    who = Actor.agent(actor.pk) if actor is not None else Actor.system()
    if actor is None and api_token_id is not None:
        who = Actor.api_token(api_token_id)
    emit(
        account_id=int(team.account_id),
        name="agent.team_lead_changed",
        payload={
            "agent": {
                "id": agent.pk,
                "username": agent.username,
                "display_name": agent.display_name,
                "role": agent.role,
                "active": agent.is_active,
            },
            "team_id": team.pk,
            "team": team.name,
            "lead": lead,
        },
        actor=who,
        subject=Subject("agent", agent.pk),
    )


def _set_leads(
    team: Team, lead_ids: set[int], *, actor: User | None, api_token_id: int | None = None
) -> None:
    rows = TeamMembership.objects.select_for_update().select_related("user", "team")
    for membership in rows.filter(team=team).order_by("pk"):
        lead = membership.user_id in lead_ids
        if membership.is_lead != lead:
            membership.is_lead = lead
            membership.save(update_fields=["is_lead"])
            _lead_changed(membership, lead=lead, actor=actor, api_token_id=api_token_id)


def do_set_team_lead(
    *,
    actor: User | None,
    team: Team,
    user: User,
    is_lead: bool,
    api_token_id: int | None = None,
) -> Team:
    """Make a member a lead of the team, or not (REST; `actor` None: an account's token,
    already scoped to the team's account by the caller)."""
    if actor is not None:
        check_admin(actor=actor)
        if team.account_id != actor.account_pk:
            raise NotFound()
    if user.account_id != team.account_id:
        raise NotFound()
    if not TeamMembership.objects.filter(team=team, user=user).exists():
        raise ValidationFailed.field("user", _("A team lead must be a member of the team."))
    with transaction.atomic():
        leads = set(
            TeamMembership.objects.filter(team=team, is_lead=True).values_list("user_id", flat=True)
        )
        leads = leads | {user.pk} if is_lead else leads - {user.pk}
        _set_leads(team, leads, actor=actor, api_token_id=api_token_id)
    return team
