"""Views for tests/common/test_asgi_http.py only."""

from __future__ import annotations

import threading

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path


def where(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse(
        {"thread": threading.current_thread().name, "connection": id(connection.connection)}
    )


def stream(request: HttpRequest) -> StreamingHttpResponse:
    def rows():  # reads the database while the body is sent, as the CSV exports do
        for n in range(3):
            with connection.cursor() as cursor:
                cursor.execute("SELECT %s", [n])
                yield f"{cursor.fetchone()[0]}\n"

    return StreamingHttpResponse(rows(), content_type="text/plain")


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("view failed")


urlpatterns = [
    path("where", where),
    path("stream", stream),
    path("boom", boom),
]
