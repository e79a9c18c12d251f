"""Background index rebuilds (django-tasks, run by `manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from blockdesk.kb.search import store


@task()
def reindex_kb(article_id: int | None = None, account_id: int | None = None) -> int:
    """Rebuild the index of ``account_id`` (or of every scope on disk, and the default
    one). ``article_id`` only documents why: a rebuild re-embeds changed texts only,
    so a full rebuild costs about what an incremental update would."""
    from blockdesk.kb.search.service import reindex

    scopes: list[int | None] = [account_id] if account_id is not None else store.known_scopes()
    if account_id is None and None not in scopes:
        scopes.append(None)
    total = 0
    for scope in scopes:
        total += len(reindex(account_id=scope))
    return total
