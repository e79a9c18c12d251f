from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportedScam(models.Model):
    """A link, handle, address, phone number or mailbox confirmed to be a scam.

    Rows come from the account itself (`source` empty: an administrator confirmed it) or
    from a trusted peer's feed (`source` is the peer's name, `source_ref` the feed item,
    so a withdrawal at the source removes exactly that row). "Is this really us?" answers
    "no" for every one of them and shows where the report came from."""

    class Kind(models.TextChoices):
        DOMAIN = "domain", _("Website domain")
        EMAIL = "email", _("Email address")
        HANDLE = "handle", _("Account or handle")
        PHONE = "phone", _("Phone number")
        ADDRESS = "address", _("Crypto address")

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="reported_scams"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=255)  # normalised, what checks compare
    display = models.CharField(_("shown as"), max_length=255)
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(_("reported by"), max_length=120, blank=True)
    source_ref = models.CharField(max_length=200, blank=True)
    confirmed_on = models.DateField(_("confirmed on"), default=timezone.localdate)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "value", "source_ref"],
                name="trust_scam_unique_value_per_source",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["domain", "email", "handle", "phone", "address"]),
                name="trust_scam_kind",
            ),
            # A peer's report always names the peer.
            models.CheckConstraint(
                condition=models.Q(source_ref="") | ~models.Q(source=""),
                name="trust_scam_peer_report_has_source",
            ),
        ]
        indexes = [models.Index(fields=["account", "kind", "value"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.display}"

    @property
    def is_own(self) -> bool:
        return not self.source_ref
