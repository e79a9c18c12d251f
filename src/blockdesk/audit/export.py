"""The audit log as CSV: streamed in keyset chunks (memory stays flat whatever the range),
UTF-8 with a BOM (Excel then reads Chinese correctly), every text cell guarded against
formula injection (common/csvcells.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.utils import translation

from blockdesk.accounts.models import User
from blockdesk.audit.selectors import AuditFilter, AuditRow, audit_page
from blockdesk.common.csvcells import BOM, csv_line

CHUNK = 500
# An export is bounded: a year of a busy account fits; narrow the dates for more.
MAX_ROWS = 100_000
HEADER = (
    "id",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor",
    "event",
    "event_label",
    "security_relevant",
    "object_type",
    "object_id",
    "detail",
)


def row_cells(row: AuditRow) -> tuple[object, ...]:
    return (
        row.id,
        row.occurred_at.isoformat(),
        row.actor_kind,
        row.actor_id,
        row.actor_name,
        row.name,
        row.label,
        "yes" if row.security else "no",
        row.subject_type,
        row.subject_id,
        row.detail,
    )


def _chunk(
    user: User, audit_filter: AuditFilter, before: int | None, size: int, language: str
) -> tuple[str, int, int | None]:
    with translation.override(language):
        page = audit_page(user=user, audit_filter=audit_filter, before=before, size=size)
        return "".join(csv_line(row_cells(r)) for r in page.rows), len(page.rows), page.next_before


async def stream_csv(
    *, user: User, audit_filter: AuditFilter, language: str, max_rows: int | None = None
) -> AsyncIterator[bytes]:
    """An async iterator: under ASGI Django would read a sync one whole into memory first.
    Each chunk's queries run in the request's sync thread (sync_to_async)."""
    yield (BOM + csv_line(HEADER)).encode("utf-8")
    max_rows = MAX_ROWS if max_rows is None else max_rows
    before: int | None = None
    sent = 0
    while sent < max_rows:
        size = min(CHUNK, max_rows - sent)
        text, count, before = await sync_to_async(_chunk)(
            user, audit_filter, before, size, language
        )
        if count:
            yield text.encode("utf-8")
        sent += count
        if before is None:
            return
