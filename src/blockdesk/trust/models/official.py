from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from blockdesk.chain.chain_aliases import CHAIN_KEYS


class OfficialChannel(models.Model):
    """One of the account's genuine channels: what "Is this really us?" answers from.

    `value` is the normalised form that checks compare (punycode host, lower-case
    handle, +digits, address); `display` is how people read it."""

    class Kind(models.TextChoices):
        DOMAIN = "domain", _("Website domain")
        EMAIL = "email", _("Email address")
        EMAIL_DOMAIN = "email_domain", _("Email domain")
        TELEGRAM = "telegram", _("Telegram")
        DISCORD = "discord", _("Discord")
        X = "x", _("X (Twitter)")
        PHONE = "phone", _("Phone number")
        ADDRESS = "address", _("Crypto address")

    CHAIN_CHOICES = [
        (key, key.capitalize() if key != "bsc" else "BNB Smart Chain") for key in CHAIN_KEYS
    ]

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="official_channels"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=255)
    display = models.CharField(_("shown as"), max_length=255)
    label = models.CharField(
        _("note"),
        max_length=120,
        blank=True,
        help_text=_("Shown to customers, e.g. “Support bot” or “USDT deposit address”."),
    )
    include_subdomains = models.BooleanField(
        _("includes subdomains"),
        default=False,
        help_text=_("Every address under this domain is ours (app., help., …)."),
    )
    chain = models.CharField(_("chain"), max_length=16, blank=True, choices=CHAIN_CHOICES)
    since = models.DateField(_("official since"), default=timezone.localdate)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "value"], name="trust_official_unique_value"
            ),
            models.CheckConstraint(
                condition=models.Q(include_subdomains=False) | models.Q(kind="domain"),
                name="trust_official_subdomains_only_for_domains",
            ),
            models.CheckConstraint(
                condition=models.Q(chain="") | models.Q(kind="address"),
                name="trust_official_chain_only_for_addresses",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.display}"
