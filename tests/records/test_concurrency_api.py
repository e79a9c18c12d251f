"""Concurrent appends on PostgreSQL give one tree; the public read-only API."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from blockdesk.accounts.models import Account
from blockdesk.common.errors import BlockdeskError
from blockdesk.records import merkle, services
from blockdesk.records.models import RecordLog
from blockdesk.records.services import RecordIn
from blockdesk.records.verify import verify_log
from tests.conftest import only_in_postgresql_pass
from tests.support.live_server import fresh_cache_namespace


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_on_postgresql_never_fork(account: Account) -> None:
    only_in_postgresql_pass()
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for i in range(15):
                services.do_append_records(
                    account=account,
                    records=[
                        RecordIn(case_ref=f"{name}-{i}", kind="reply", fields={"i": j})
                        for j in range(3)
                    ],
                )
        except BaseException as exc:  # reported below, in the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    log = RecordLog.objects.get(account=account)
    assert log.size == 90
    indexes = list(log.entries.order_by("index").values_list("index", flat=True))
    assert indexes == list(range(90))
    leaves = [bytes(h) for h in log.entries.order_by("index").values_list("leaf_hash", flat=True)]
    assert bytes(log.root_hash) == merkle.mth(leaves)
    services.do_sign_tree_head(account=account)
    assert verify_log(log).entries == 90


urlpatterns: list[object] = []


@pytest.fixture
def api_client(settings: object) -> Client:
    """The product's API once the lead mounts the router; until then a test API here."""
    from ninja import NinjaAPI

    from blockdesk.records.api import router

    if not urlpatterns and getattr(router, "api", None) is None:
        api = NinjaAPI(urls_namespace="records-test")

        @api.exception_handler(BlockdeskError)
        def _error(request: HttpRequest, exc: BlockdeskError) -> HttpResponse:
            return api.create_response(request, exc.as_dict(), status=exc.status)

        api.add_router("/v1/", router)
        urlpatterns.append(path("api/", api.urls))
    fresh_cache_namespace(settings)  # no rate-limit counters of earlier tests
    if urlpatterns:
        settings.ROOT_URLCONF = __name__  # type: ignore[attr-defined]
    return Client()


@pytest.mark.django_db
def test_public_api_serves_tree_heads_and_proofs(
    filled_log: RecordLog, account: Account, api_client: Client
) -> None:
    base = f"/api/v1/records/logs/{filled_log.public_id}"
    sth = api_client.get(f"{base}/sth").json()
    assert sth["tree_size"] == 40 and sth["log_id"] == filled_log.public_id
    leaves = [
        bytes(h) for h in filled_log.entries.order_by("index").values_list("leaf_hash", flat=True)
    ]
    root = bytes.fromhex(sth["root_hash"])
    proof = api_client.get(f"{base}/proof-by-hash", {"hash": leaves[17].hex()}).json()
    assert proof["leaf_index"] == 17
    path_ = [bytes.fromhex(p) for p in proof["audit_path"]]
    assert merkle.verify_inclusion(17, 40, leaves[17], path_, root)
    cons = api_client.get(f"{base}/consistency", {"first": 25, "second": 40}).json()
    old = merkle.mth(leaves[:25])
    assert merkle.verify_consistency(
        25, 40, [bytes.fromhex(p) for p in cons["consistency"]], old, root
    )
    keys = api_client.get(f"{base}/keys").json()
    assert keys[0]["key_id"] == sth["key_id"]
    # Not beyond the latest signed head, unknown logs 404, the error shape is the product's.
    services.do_append_record(account=account, case_ref="x", kind="reply", fields={})
    too_far = api_client.get(f"{base}/consistency", {"first": 1, "second": 41})
    assert too_far.status_code == 422 and "error" in too_far.json()
    assert api_client.get("/api/v1/records/logs/log_nope/sth").status_code == 404


@pytest.mark.django_db
def test_public_api_is_rate_limited(filled_log: RecordLog, api_client: Client) -> None:
    with override_settings(RECORDS_PUBLIC_RATE_LIMIT=3):
        codes = [
            api_client.get(f"/api/v1/records/logs/{filled_log.public_id}/sth").status_code
            for _ in range(5)
        ]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
