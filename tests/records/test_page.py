"""The customer's public record page and receipt download."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import include, path

from blockdesk.accounts.models import Account
from blockdesk.records import services
from blockdesk.records.models import RecordCase, RecordLog
from blockdesk.records.verifier import verify_receipt
from blockdesk.urls import urlpatterns as project_urlpatterns
from tests.support.live_server import fresh_cache_namespace

# Until the lead mounts it in blockdesk/urls.py: path("records/", include("blockdesk.records.urls"))
urlpatterns = [
    *[p for p in project_urlpatterns if not str(getattr(p, "pattern", "")).startswith("records/")],
    path("records/", include("blockdesk.records.urls")),
]

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_(settings: object) -> Client:
    settings.ROOT_URLCONF = __name__  # type: ignore[attr-defined]
    fresh_cache_namespace(settings)
    return Client()


def test_page_shows_the_case_and_the_receipt_verifies(
    filled_log: RecordLog, account: Account, client_: Client
) -> None:
    case = RecordCase.objects.get(log=filled_log, case_ref="conv-2")
    page = client_.get(f"/records/{case.receipt_id}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert case.receipt_id in body and "conv-2" not in body  # the internal ref never shows
    assert body.count('data-kind="') == 10
    assert page["Cache-Control"] == "private, no-store"
    download = client_.get(f"/records/{case.receipt_id}/receipt.json")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    lines = verify_receipt(json.loads(download.content))
    assert lines[-2].endswith("included: OK")


def test_unknown_and_erased_receipts(
    filled_log: RecordLog, account: Account, client_: Client
) -> None:
    assert client_.get("/records/rcpt_nope/").status_code == 404
    case = RecordCase.objects.get(log=filled_log, case_ref="conv-3")
    services.do_erase_case(account=account, case_ref="conv-3")
    page = client_.get(f"/records/{case.receipt_id}/")
    assert page.status_code == 200 and 'data-kind="' not in page.content.decode()
    assert client_.get(f"/records/{case.receipt_id}/receipt.json").status_code == 410
