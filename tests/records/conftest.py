from __future__ import annotations

import pytest

from blockdesk.accounts.models import Account
from blockdesk.records import services
from blockdesk.records.models import RecordLog
from blockdesk.records.services import RecordIn


@pytest.fixture
def filled_log(account: Account) -> RecordLog:
    """40 entries over 4 cases with tree heads at sizes 10, 25 and 40."""
    kinds = ["opened", "assigned", "reply", "status", "resolved"]

    def batch(start: int, stop: int) -> None:
        services.do_append_records(
            account=account,
            records=[
                RecordIn(
                    case_ref=f"conv-{i % 4}",
                    kind=kinds[i % 5],
                    fields={"n": i, "text_sha256": f"{i:064x}", "note": "é中"},
                )
                for i in range(start, stop)
            ],
        )
        services.do_sign_tree_head(account=account)

    batch(0, 10)
    batch(10, 25)
    batch(25, 40)
    return RecordLog.objects.get(account=account)
