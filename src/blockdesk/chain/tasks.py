"""Background work for the chain app (run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from blockdesk.chain import services


@task()
def watch_transaction(watch_id: int) -> str:
    """One check of a watched transaction; it re-enqueues itself with ``run_after``."""
    return services.do_check_watch(watch_id=watch_id)
