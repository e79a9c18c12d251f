"""Per-account append-only Merkle logs of case handling (RFC 9162 style).

RecordLog is the head row (locked for every append, so concurrent writers never fork the
tree). RecordEntry holds one leaf: the commitment and its leaf hash forever, the salt and the
canonical record until the case is erased. RecordNode stores the hash of every complete
subtree (level 0 = the leaf hashes) so any proof is O(log n) primary-key reads."""

from __future__ import annotations

from django.db import models

from blockdesk.accounts.models import Account
from blockdesk.common.crypto import EncryptedTextField


class RecordLog(models.Model):
    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="record_log")
    # The public name of the log in URLs and signed tree heads; never the account id.
    public_id = models.CharField(max_length=40, unique=True)
    size = models.BigIntegerField(default=0)
    root_hash = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.public_id


class RecordCase(models.Model):
    """One handled case in the log; `receipt_id` is what the customer sees and downloads."""

    log = models.ForeignKey(RecordLog, on_delete=models.CASCADE, related_name="cases")
    case_ref = models.CharField(max_length=64)
    receipt_id = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["log", "case_ref"], name="records_case_unique_ref")
        ]


class RecordEntry(models.Model):
    log = models.ForeignKey(RecordLog, on_delete=models.CASCADE, related_name="entries")
    index = models.BigIntegerField()
    case = models.ForeignKey(RecordCase, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=32)
    salt = models.BinaryField(max_length=32, null=True)  # None once erased
    content = models.TextField(null=True)  # the canonical JSON record; None once erased
    commitment = models.BinaryField(max_length=32)
    leaf_hash = models.BinaryField(max_length=32)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["log", "index"], name="records_entry_unique_index")
        ]
        indexes = [
            models.Index(fields=["log", "leaf_hash"], name="records_entry_leaf"),
            models.Index(fields=["case", "index"], name="records_entry_case"),
        ]


class RecordNode(models.Model):
    pk = models.CompositePrimaryKey("log_id", "level", "index")
    log = models.ForeignKey(RecordLog, on_delete=models.CASCADE, db_constraint=True)
    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)


class RecordedEvent(models.Model):
    """An event of the event log already recorded (records/event_consumers.py): the mark
    that makes the wiring idempotent by event id, so a replay of the log never appends a
    step twice. No foreign key to the event: events are purged after retention."""

    event_id = models.BigIntegerField(primary_key=True)
    log = models.ForeignKey(RecordLog, on_delete=models.CASCADE, related_name="+")
    index = models.BigIntegerField()  # the entry this event became
    recorded_at = models.DateTimeField(auto_now_add=True)


class SigningKey(models.Model):
    """An Ed25519 key of one log. Retired keys stay published with their validity range, so
    tree heads they signed still verify."""

    log = models.ForeignKey(RecordLog, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(max_length=64, unique=True)  # hex SHA-256 of the raw public key
    public_key = models.BinaryField(max_length=32)
    private_key = EncryptedTextField()  # base64 of the raw 32-byte private key, Fernet at rest
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["log"],
                condition=models.Q(valid_until__isnull=True),
                name="records_one_active_key",
            )
        ]


class SignedTreeHead(models.Model):
    log = models.ForeignKey(RecordLog, on_delete=models.CASCADE, related_name="tree_heads")
    tree_size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    timestamp_ms = models.BigIntegerField()
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="tree_heads")
    signature = models.BinaryField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["log", "tree_size"], name="records_sth_size")]


class AnchorSettings(models.Model):
    """Per account: whether and where tree heads are anchored, and the operator hot wallet.

    The wallet's private key is Fernet-encrypted at rest and never shown again after it is
    saved; the page shows the address and balance only."""

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, related_name="record_anchoring"
    )
    enabled = models.BooleanField(default=False)
    chain = models.ForeignKey(
        "chain.Chain", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interval_minutes = models.PositiveIntegerField(default=60)
    wallet_key = EncryptedTextField(blank=True, default="")  # hex secp256k1 key, never logged
    wallet_address = models.CharField(max_length=42, blank=True, default="")
    next_anchor_at = models.DateTimeField(null=True, blank=True)

    def __repr__(self) -> str:  # no key material in tracebacks or debug output
        return f"<AnchorSettings account={self.account_id} address={self.wallet_address}>"


class Anchor(models.Model):
    """One tree head written to a chain. `cost_wei` = gas used × effective gas price."""

    class Status(models.TextChoices):
        PENDING = "pending"  # sent, not mined yet
        CONFIRMED = "confirmed"  # mined, receipt status 1
        FAILED = "failed"  # not sent or reverted; retried at next_attempt_at

    log = models.ForeignKey(RecordLog, on_delete=models.CASCADE, related_name="anchors")
    sth = models.ForeignKey(SignedTreeHead, on_delete=models.PROTECT, related_name="anchors")
    chain = models.ForeignKey("chain.Chain", null=True, on_delete=models.SET_NULL, related_name="+")
    chain_key = models.CharField(max_length=40)
    evm_chain_id = models.PositiveBigIntegerField()
    tree_size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    # The previous anchor's size and whether the consistency proof from it to this head held.
    previous_size = models.BigIntegerField(null=True, blank=True)
    consistent = models.BooleanField(null=True)
    from_address = models.CharField(max_length=42)
    tx_hash = models.CharField(max_length=66, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    block_number = models.BigIntegerField(null=True, blank=True)
    gas_used = models.BigIntegerField(null=True, blank=True)
    effective_gas_price = models.DecimalField(
        max_digits=40, decimal_places=0, null=True, blank=True
    )
    cost_wei = models.DecimalField(max_digits=40, decimal_places=0, null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # the last broadcast
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["log", "tree_size"], name="records_anchor_size"),
            models.Index(fields=["status", "next_attempt_at"], name="records_anchor_due"),
        ]
