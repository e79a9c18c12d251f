"""Account writes beyond accounts/services.py: an agent's own profile and team edits."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Team, User
from blockdesk.accounts.services import check_admin
from blockdesk.common.errors import Conflict, NotFound, ValidationFailed


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


def do_update_team(*, actor: User, team: Team, name: str, members: Sequence[User]) -> Team:
    check_admin(actor=actor)
    if team.account_id != actor.account_pk:
        raise NotFound()
    team.name = name.strip()
    try:
        team.full_clean(validate_constraints=False)
        with transaction.atomic():
            team.save(update_fields=["name"])
            team.members.set([m for m in members if m.account_id == actor.account_id])
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
