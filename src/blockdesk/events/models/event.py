"""The event log: one row per domain fact, written in the transaction of the change."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TxId(models.Func):
    """The writing transaction's id on PostgreSQL (NULL elsewhere), as a column default:
    readers deliver only events of transactions older than every running one, so an event
    whose transaction commits late (with a smaller id) is never skipped."""

    output_field = models.BigIntegerField()
    arity = 0

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        return "NULL", []

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        return "(pg_current_xact_id()::text::bigint)", []


class ActorKind(models.TextChoices):
    AGENT = "agent", _("Agent")
    CONTACT = "contact", _("Contact")
    API_TOKEN = "api_token", _("API token")
    ASSISTANT = "assistant", _("Assistant")
    SYSTEM = "system", _("System")


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(max_length=100)
    version = models.PositiveSmallIntegerField()
    occurred_at = models.DateTimeField(default=timezone.now)
    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_id = models.BigIntegerField(null=True, blank=True)
    subject_type = models.CharField(max_length=40)
    subject_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField()
    txid = models.BigIntegerField(null=True, blank=True, db_default=TxId())
    # Set when a customer's data was erased (services.do_redact_events): the payload is
    # emptied and no consumer is handed the event any more; its place in the log stays.
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The consumers' read: (txid, id) after a cursor. Partial, so SQLite (txid NULL,
            # reads by id) pays nothing for it on insert.
            models.Index(
                fields=["txid", "id"],
                name="events_event_log_order",
                condition=models.Q(txid__isnull=False),
            ),
            models.Index(fields=["occurred_at"], name="events_event_occurred"),
            # An account's log newest first (the audit log's keyset pages).
            models.Index(fields=["account", "id"], name="events_event_account_id"),
            # A subject's history (a conversation's audit trail).
            models.Index(
                fields=["account", "subject_type", "subject_id", "id"],
                name="events_event_subject",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="events_event_version_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(actor_kind__in=ActorKind.values),
                name="events_event_actor_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(name=""), name="events_event_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}#{self.pk}"

    @property
    def position(self) -> tuple[int, int]:
        """Where this event sits in the log (txid is 0 on SQLite)."""
        return (self.txid or 0, self.pk)
