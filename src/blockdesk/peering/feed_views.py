"""The public feed: GET /peering/feed/<feed id>/?since=N&limit=M. No login (subscribers
are other servers; the content is what the account chose to publish), limited per IP,
with ETag / If-None-Match so a subscriber polling an unchanged feed costs one query."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.common.ratelimit import check_rate_limit, client_ip
from blockdesk.peering import publishing


def _int(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationFailed.field(name, "a non-negative integer")
    return int(raw)


def _error(exc: BlockdeskError) -> HttpResponse:
    response = JsonResponse(exc.as_dict(), status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


@require_GET
def feed(request: HttpRequest, feed_id: uuid.UUID) -> HttpResponse:
    try:
        check_rate_limit(
            scope="peering-feed",
            key=client_ip(request.META),
            limit=settings.PEERING_FEED_RATE_LIMIT,
            window=settings.PEERING_FEED_RATE_WINDOW,
        )
        publisher = publishing.enabled_publisher(str(feed_id))
        since = _int(request, "since", 0)
        limit = _int(request, "limit", 100)
    except BlockdeskError as exc:
        return _error(exc)
    etag = publishing.feed_etag(publisher, since=since, limit=limit)
    if etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponse(status=304)
    else:
        page = publishing.feed_page(publisher, since=since, limit=limit)
        response = JsonResponse(page, json_dumps_params={"ensure_ascii": False})
    response["ETag"] = etag
    # Revalidate every time: the ETag makes that cheap, and a stale copy hides a deletion.
    response["Cache-Control"] = "no-cache"
    return response
