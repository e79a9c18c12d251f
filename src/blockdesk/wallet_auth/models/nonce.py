"""Single-use sign-in nonces (EIP-4361).

A nonce is issued to one widget visitor (the keyed hash of their bearer token, never the
token) for one address and chain, and is consumed by a conditional UPDATE, so two
concurrent verifications of the same signed message cannot both succeed."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class WalletNonce(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey("conversations.Inbox", on_delete=models.CASCADE, related_name="+")
    # The contact the visitor was at issue time (for audits and cleanup; binding is by visitor).
    contact = models.ForeignKey("conversations.Contact", on_delete=models.CASCADE, related_name="+")
    visitor_hash = models.CharField(max_length=64)
    # Not a credential: it is printed in the message the wallet shows. Alphanumeric, 24 chars.
    nonce = models.CharField(max_length=64)
    domain = models.CharField(max_length=255)
    address = models.CharField(max_length=42)
    chain_id = models.PositiveBigIntegerField()
    # sha256 of the exact text we built: a signed message must be that text, not a variant.
    message_sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["nonce"], name="wallet_nonce_unique"),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("issued_at")),
                name="wallet_nonce_expires_after_issue",
            ),
            models.CheckConstraint(condition=Q(chain_id__gte=1), name="wallet_nonce_chain_id"),
        ]
        indexes = [
            models.Index(fields=["visitor_hash", "nonce"]),
            models.Index(fields=["expires_at"]),
        ]

    def __str__(self) -> str:
        return f"nonce for {self.address} on chain {self.chain_id}"
