from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: health and readiness probes, Prometheus metrics, JSON logs, database
    faults as 503/507 answers, backup and restore (docs/operations.md)."""

    name = "blockdesk.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from blockdesk.common.periodic import register_periodic_job
        from blockdesk.ops import tasks

        # The REST API's fault handlers are registered where it is mounted (urls_api.py),
        # when the first request loads it.
        register_periodic_job(tasks.periodic_requeue)
