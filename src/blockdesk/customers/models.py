"""Customer accounts for the public side (community, feedback, guides).

A customer account is a way to sign in for one `conversations.Contact`: the same customer
who chats in the widget and mails support, so their conversations are the contact's and
agents see one person. Credentials are never stored in clear: magic-link, session and
sign-in tokens are keyed hashes (`common.crypto.hash_token`), a password is a Django hash."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class CustomerAccount(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    contact = models.OneToOneField(
        "conversations.Contact", on_delete=models.CASCADE, related_name="customer_account"
    )
    # Shown publicly instead of the email or wallet: pseudonymous by default.
    display_name = models.CharField(_("display name"), max_length=32)
    # Lower-cased for the per-account uniqueness ("Alice" and "alice" are one name).
    display_name_key = models.CharField(max_length=32, editable=False)
    # A Django password hash, or "" when the customer signs in only by link or wallet.
    password = models.CharField(max_length=256, blank=True)
    locale = models.CharField(max_length=16, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "display_name_key"], name="customer_display_name_unique"
            ),
            models.CheckConstraint(
                condition=~Q(display_name=""), name="customer_display_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.display_name_key = self.display_name.lower()
        update_fields = kwargs.get("update_fields")
        if isinstance(update_fields, list | tuple) and "display_name" in update_fields:
            kwargs["update_fields"] = [*update_fields, "display_name_key"]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class MagicLink(models.Model):
    """One emailed sign-in link: single use (consumed by a conditional UPDATE), expiring."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="magic_link_expires_after"
            ),
        ]
        indexes = [models.Index(fields=["expires_at"])]


class CustomerSession(models.Model):
    """A signed-in browser. Its own cookie and table: an agent's Django session and a
    customer's never mix, so signing in on the help center grants nothing in /app/."""

    customer = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    method = models.CharField(max_length=16)  # email_link, password, wallet
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"])]


class WalletChallenge(models.Model):
    """An EIP-4361 nonce issued to one browser (the keyed hash of its challenge cookie)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    browser_hash = models.CharField(max_length=64)
    nonce = models.CharField(max_length=64, unique=True)
    domain = models.CharField(max_length=255)
    address = models.CharField(max_length=42)
    chain_id = models.PositiveBigIntegerField()
    message_sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["browser_hash", "nonce"]),
            models.Index(fields=["expires_at"]),
        ]
