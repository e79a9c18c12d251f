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
        from blockdesk.ops import faults, tasks

        # The REST API catches every exception itself (api/api.py answers 500 JSON): a
        # database outage must answer 503 there too, so it gets its own handler.
        faults.register_api_handlers()
        register_periodic_job(tasks.periodic_requeue)
