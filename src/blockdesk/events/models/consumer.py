"""Consumers' progress through the log: one cursor each, plus the events that failed."""

from __future__ import annotations

from django.db import models


class ConsumerCursor(models.Model):
    """How far a consumer has read: every event at or before (position_txid, position_id)
    has been handled or handed to a ConsumerRetry row."""

    name = models.CharField(max_length=100, unique=True)
    position_txid = models.BigIntegerField(default=0)
    position_id = models.BigIntegerField(default=0)
    paused = models.BooleanField(default=False)
    # At-least-once consumers run their handler outside a transaction: the lease says which
    # worker is on it, and lapses if that worker dies.
    lease_owner = models.CharField(max_length=64, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(position_txid__gte=0, position_id__gte=0),
                name="events_cursor_position_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def position(self) -> tuple[int, int]:
        return (self.position_txid, self.position_id)


class ConsumerRetry(models.Model):
    """An event a consumer failed on: retried with backoff, then dead (shown to admins)."""

    consumer = models.ForeignKey(ConsumerCursor, on_delete=models.CASCADE, related_name="retries")
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+")
    attempts = models.PositiveIntegerField(default=1)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    dead = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "event"], name="events_retry_once"),
            models.CheckConstraint(
                condition=models.Q(attempts__gte=0), name="events_retry_attempts_nonnegative"
            ),
        ]
        indexes = [
            models.Index(fields=["consumer", "dead", "next_attempt_at"], name="events_retry_due"),
        ]

    def __str__(self) -> str:
        return f"{self.consumer_id}:{self.event_id}"
