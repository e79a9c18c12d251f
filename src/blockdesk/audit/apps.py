from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Settings → Audit log: the event log read by people (who did what, when). Owns no
    table: it reads events_event; the purge and its security exception live in events."""

    name = "blockdesk.audit"
    label = "audit"
