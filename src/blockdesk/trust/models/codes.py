from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from blockdesk.common.crypto import EncryptedTextField


class AntiPhishingCode(models.Model):
    """A phrase a customer chose, shown in every message our support sends them, so a
    look-alike without it is recognisable. Encrypted, not hashed: it is shown back."""

    contact = models.OneToOneField(
        "conversations.Contact",
        on_delete=models.CASCADE,
        related_name="anti_phishing_code",
        primary_key=True,
    )
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    code = EncryptedTextField(_("anti-phishing code"))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"anti-phishing code of contact {self.contact_id}"
