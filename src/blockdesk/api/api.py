"""The REST API root. Each domain adds its router; all failures share one shape:
{"error": {"code": ..., "message": ..., "fields": {...}}}."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from blockdesk.api.auth import TokenAuth
from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.common.jsonbody import request_json

logger = logging.getLogger(__name__)


class BoundedParser(Parser):
    """django-ninja's body parser, bounded (common.jsonbody). Ninja turns any parse failure
    into its HttpError 400, which the API answers in the one error shape; over-large
    bodies were already refused with 413 by common.bodylimit."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data: dict[str, Any] = request_json(request, empty={})
        return data


class _Api(NinjaAPI):
    def _get_urls(self) -> list[URLResolver | URLPattern]:
        # Ninja answers a known path with the wrong method in plain text (405); give it
        # the one error shape too. (_get_urls is the hook `urls` builds from.)
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern) and not iscoroutinefunction(url.callback):
                url.callback = _json_method_not_allowed(url.callback)
        return urls


def _json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            allow = response.get("Allow", "")
            response = _error(
                request, 405, "method_not_allowed", _("This method is not allowed here.")
            )
            response["Allow"] = allow
        return response

    return wrapped


api = _Api(
    title="Blockdesk API",
    version="1",
    description="Conversations, contacts, messages, inboxes and agents.",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=TokenAuth(),
    urls_namespace="rest",
    parser=BoundedParser(),
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, **extra: Any
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update(extra)
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(BlockdeskError)
def _blockdesk_error(request: HttpRequest, exc: BlockdeskError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    for key, value in exc.headers.items():
        response[key] = value
    return response


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        fields.setdefault(".".join(loc) or "request", []).append(str(err.get("msg", "invalid")))
    first = next(iter(fields.items()))
    return _error(request, 422, "validation_error", f"{first[0]}: {first[1][0]}", fields=fields)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "A valid API token is required.")


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    # A model or form check that a service let through is still the client's input.
    return _blockdesk_error(request, ValidationFailed.from_django(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja wraps whatever its body parser raises in HttpError(400); the bounded parser's
    # own errors (invalid_json, json_too_deep, 413) keep their code and status.
    if isinstance(exc.__cause__, BlockdeskError):
        return _blockdesk_error(request, exc.__cause__)
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug, not a client error: logged with its traceback (and so reported like any
    500), but the client still gets the one JSON shape instead of an HTML page."""
    logger.exception("Unhandled error in %s %s", request.method, request.path)
    return _error(request, 500, "server_error", _("Something went wrong on our side."))


def register_routers() -> None:
    """Routers live next to their domain; they are attached here, once."""
    from blockdesk.accounts.api import router as agents_router
    from blockdesk.api.fallback import router as fallback_router
    from blockdesk.conversations.api import router as conversations_router

    api.add_router("/v1/", conversations_router)
    api.add_router("/v1/", agents_router)
    api.add_router("/v1/", "blockdesk.trust.api.router")
    api.add_router("/v1/", "blockdesk.records.api.router")
    api.add_router("/v1/", "blockdesk.triage.api.router")
    api.add_router("/v1/", "blockdesk.sla.api.router")
    api.add_router("/v1/", "blockdesk.surveys.api.router")
    api.add_router("/v1/", "blockdesk.reports.api.router")
    api.add_router("/v1/", "blockdesk.peering.api.router")
    api.add_router("/v1/", "blockdesk.feedback.api.router")
    api.add_router("/v1/", "blockdesk.education.api.router")
    api.add_router("/v1/", "blockdesk.announcements.api.router")
    api.add_router("/v1/", "blockdesk.statuspage.api.router")
    api.add_router("/v1/", "blockdesk.routing.api.router")
    # Last: unknown paths answer in the one error shape instead of an HTML page.
    api.add_router("/", fallback_router)


register_routers()
