from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from blockdesk.accounts.models.account import Account, User
from blockdesk.common.crypto import EncryptedTextField


class TotpDevice(models.Model):
    """An agent's TOTP authenticator. The seed is encrypted at rest."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = EncryptedTextField()
    confirmed = models.BooleanField(default=False)
    last_used_step = models.BigIntegerField(default=0)  # refuses a replayed code
    created_at = models.DateTimeField(auto_now_add=True)


class ApiToken(models.Model):
    """A REST API token. Only a keyed hash is stored; the token is shown once."""

    class Scope(models.TextChoices):
        CONTACTS_READ = "contacts:read", _("Read contacts")
        CONTACTS_WRITE = "contacts:write", _("Write contacts")
        CONVERSATIONS_READ = "conversations:read", _("Read conversations and messages")
        CONVERSATIONS_WRITE = "conversations:write", _("Write conversations and messages")
        INBOXES_READ = "inboxes:read", _("Read inboxes")
        AGENTS_READ = "agents:read", _("Read agents")
        TRUST_READ = "trust:read", _("Read official channels")
        TRUST_WRITE = "trust:write", _("Write official channels")
        ANNOUNCEMENTS_WRITE = "announcements:write", _("Write announcements")
        STATUS_WRITE = "status:write", _("Write the status page")
        PEERING_READ = "peering:read", _("Read shared-knowledge feeds and the review queue")
        PEERING_WRITE = "peering:write", _("Manage shared-knowledge feeds and review items")
        TRIAGE_WRITE = "triage:write", _("Manage triage rules")
        ROUTING_READ = "routing:read", _("Read routing settings, capacity and presence")
        ROUTING_WRITE = "routing:write", _("Change routing settings, capacity and presence")
        TEAMS_WRITE = "teams:write", _("Change teams' members and leads")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16)  # shown in lists so a token can be recognised
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
