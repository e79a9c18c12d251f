"""413 for request bodies over DATA_UPLOAD_MAX_MEMORY_SIZE, in the one error shape.

Django refuses such a body only when a view (or the CSRF check) reads it, and then with
its generic HTML 400. This middleware answers first, from the declared or buffered size,
without reading the body: JSON in `{"error": {...}}` for API, widget and JSON requests,
a plain 413 for pages. Multipart bodies are left to the view: their files are not counted
against this limit (attachments have their own), only their other fields are, which Django
checks while parsing; the views turn that into 413 (and `process_exception` catches the
rest).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

from blockdesk.common.jsonbody import BodyTooLarge

# Paths whose clients expect the JSON error shape whatever they send.
JSON_PATH_PREFIXES = (
    "/api/",
    "/widget/api/",
    "/wallet/api/",
    "/verify/widget/",
    "/assistant/widget/",
)


def wants_json(request: HttpRequest) -> bool:
    path = request.path_info
    return (
        path.startswith(JSON_PATH_PREFIXES)
        or request.content_type == "application/json"
        or "application/json" in request.headers.get("Accept", "")
    )


def too_large_response(request: HttpRequest) -> HttpResponse:
    error = BodyTooLarge()
    if wants_json(request):
        response: HttpResponse = JsonResponse(error.as_dict(), status=error.status)
    else:
        response = HttpResponse(error.message, status=error.status, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


def _body_size(request: HttpRequest) -> int:
    """The declared Content-Length, or the size ASGI buffered when that is absent or
    understated (chunked)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    stream = getattr(request, "_stream", None)
    if stream is not None and getattr(stream, "seekable", lambda: False)():
        position = stream.tell()
        buffered = stream.seek(0, os.SEEK_END)
        stream.seek(position)
        return max(declared, buffered)
    return declared


class BodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if (
            limit is not None
            and request.content_type != "multipart/form-data"
            and _body_size(request) > limit
        ):
            return too_large_response(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request)
        return None
