"""Strict Content-Security-Policy and related headers on every response."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)

# No page of ours uses the camera, the microphone or the location, except the pages that
# place calls (the widget frame, the console's conversation), which allow the first two
# for themselves with `allow_camera_and_microphone`.
DEFAULT_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"
CALL_PERMISSIONS_POLICY = "camera=(self), microphone=(self), geolocation=()"


def allow_camera_and_microphone(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """For a page that places WebRTC calls: getUserMedia needs these features allowed."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Permissions-Policy"] = CALL_PERMISSIONS_POLICY
        return response

    return wrapped


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Views that must be framed by customer sites (the widget) set their own CSP.
        response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("Permissions-Policy", DEFAULT_PERMISSIONS_POLICY)
        return response
