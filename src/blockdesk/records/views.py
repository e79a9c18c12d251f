"""The customer's public record page /records/<receipt id>/ and its JSON receipt. The receipt
id is a random bearer token given to the customer; limited per IP like other public pages."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from blockdesk.common.errors import Conflict, NotFound, RateLimited
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.records import selectors, services


def _limit(request: HttpRequest) -> None:
    check_rate_limit(
        scope="records-page",
        key=client_ip(request.META),
        limit=getattr(settings, "RECORDS_PUBLIC_RATE_LIMIT", 120),
        window=60,
    )


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


def _rate_limited(exc: RateLimited) -> HttpResponse:
    response = HttpResponse(exc.message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(exc.headers.get("Retry-After", "60"))
    return response


@require_GET
def receipt_page(request: HttpRequest, receipt_id: str) -> HttpResponse:
    try:
        _limit(request)
        case = selectors.case_by_receipt_id(receipt_id=receipt_id)
    except RateLimited as exc:
        return _rate_limited(exc)
    except NotFound:
        raise Http404 from None
    steps: list[dict[str, Any]] = []
    for entry in selectors.case_entries(case=case):
        record = json.loads(entry.content) if entry.content else None
        steps.append({"entry": entry, "record": record})
    context = {
        "case": case,
        "steps": steps,
        "sth": selectors.latest_tree_head(log=case.log),
        "erased": case.erased_at is not None,
    }
    return _private(render(request, "records/receipt.html", context, status=200))


@require_GET
def receipt_json(request: HttpRequest, receipt_id: str) -> HttpResponse:
    try:
        _limit(request)
        case = selectors.case_by_receipt_id(receipt_id=receipt_id)
        receipt = services.build_receipt(account=case.log.account, case_ref=case.case_ref)
    except RateLimited as exc:
        return _rate_limited(exc)
    except NotFound:
        raise Http404 from None
    except Conflict as exc:
        return _private(HttpResponse(exc.message, status=410, content_type="text/plain"))
    response = HttpResponse(
        json.dumps(receipt, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="receipt-{case.receipt_id}.json"'
    return _private(response)
