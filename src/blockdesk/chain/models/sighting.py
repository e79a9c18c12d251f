"""What the platform saw of a pending EVM transaction, kept so that a hash the network later
forgets can be explained (replaced by a speed-up or cancel, or dropped unmined).

Transaction data is public on-chain data; nothing here is secret or personal beyond what any
block explorer shows. Rows are purged after ``SIGHTING_RETENTION``.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

SIGHTING_RETENTION = dt.timedelta(days=30)


class TransactionSighting(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    chain_key = models.CharField(max_length=40)
    tx_digits = models.CharField(max_length=64)  # the hash: 64 lower-case hex, no 0x
    from_address = models.CharField(max_length=64)
    nonce = models.PositiveBigIntegerField()
    to_address = models.CharField(max_length=64, blank=True)
    value_wei = models.CharField(max_length=80)  # up to 2**256: text
    input_digest = models.CharField(max_length=64)
    block_number = models.PositiveBigIntegerField()
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "tx_digits"], name="chain_sighting_unique_hash"
            ),
            models.CheckConstraint(
                condition=models.Q(tx_digits__regex=r"^[0-9a-f]{64}$"),
                name="chain_sighting_hash_digits",
            ),
        ]
        indexes = [models.Index(fields=["seen_at"])]

    def __str__(self) -> str:
        return self.tx_digits
