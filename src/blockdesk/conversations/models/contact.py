from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Contact(models.Model):
    """A customer: one profile across every channel they use."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=160, blank=True)
    email = models.EmailField(_("email"), blank=True)
    locale = models.CharField(_("language"), max_length=16, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "email"])]

    def __str__(self) -> str:
        return self.name or self.email or f"#{self.pk}"

    @property
    def display_name(self) -> str:
        return self.name or self.email or _("Visitor %(id)s") % {"id": self.pk}


class ContactIdentity(models.Model):
    """How a contact is recognised on a channel. Secrets (a visitor's token) are kept
    only as a keyed hash."""

    class Kind(models.TextChoices):
        WEB_VISITOR = "web_visitor", _("Web visitor")
        EMAIL = "email", _("Email")
        TELEGRAM = "telegram", _("Telegram")
        DISCORD = "discord", _("Discord")
        X = "x", _("X (Twitter)")
        WALLET = "wallet", _("Wallet address")
        EXTERNAL = "external", _("External id")

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    value = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "value"], name="contact_identity_unique"
            ),
        ]
