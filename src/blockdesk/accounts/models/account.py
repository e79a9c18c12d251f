from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Account(models.Model):
    """An organisation running Blockdesk (an exchange, a wallet, a project)."""

    name = models.CharField(_("name"), max_length=120)
    require_two_factor = models.BooleanField(_("require two-factor login"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        AGENT = "agent", _("Agent")

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="users", null=True, blank=True
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    preferred_language = models.CharField(_("language"), max_length=16, blank=True)

    @property
    def account_pk(self) -> int:
        """The account of a working agent; users without one (a bare superuser) have no
        access to any account's data."""
        if self.account_id is None:
            from blockdesk.common.errors import Forbidden

            raise Forbidden()
        return self.account_id

    @property
    def is_account_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def public_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username


class Team(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=80)
    members: models.ManyToManyField[User, TeamMembership] = models.ManyToManyField(
        User, related_name="teams", blank=True, through="TeamMembership"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="team_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    """An agent's place in a team. `is_lead`: a team lead (issue 14: SLA escalations and low
    ratings go to the team's leads; a lead sees the per-agent reports of the team's agents).
    The table is the one the plain many-to-many had (migration 0002 keeps it)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="team_memberships")
    is_lead = models.BooleanField(_("team lead"), default=False)

    class Meta:
        db_table = "accounts_team_members"
        unique_together = [("team", "user")]
