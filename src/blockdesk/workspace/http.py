"""Request helpers shared by the console and the settings views: who may enter, and
how a service error reaches a browser form or a script."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase

from blockdesk.accounts.models import User
from blockdesk.common.errors import BlockdeskError, Forbidden, NotFound

# HttpResponseBase: a streamed response (the audit log's CSV) is guarded the same way.
View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def error_json(exc: BlockdeskError) -> JsonResponse:
    response = JsonResponse(exc.as_dict(), status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def current_agent(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or user.account_id is None:
        # A bare superuser has no account and so no console.
        raise PermissionDenied
    return user


def _guard(view: View, *, admin: bool) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            if wants_json(request):
                from blockdesk.common.errors import Unauthenticated

                return error_json(Unauthenticated())
            return redirect_to_login(request.get_full_path())
        user = current_agent(request)
        if admin and not user.is_account_admin:
            if wants_json(request):
                return error_json(Forbidden())
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except BlockdeskError as exc:
            # Reads raise these (an unknown id, a foreign object); writes catch their own.
            if wants_json(request):
                return error_json(exc)
            if isinstance(exc, NotFound):
                raise Http404(exc.message) from exc
            if isinstance(exc, Forbidden):
                raise PermissionDenied(exc.message) from exc
            return HttpResponse(exc.message, status=exc.status, content_type="text/plain")

    return cast(View, wrapper)


def agent_required(view: View) -> View:
    return _guard(view, admin=False)


def admin_required(view: View) -> View:
    return _guard(view, admin=True)


def action_result(
    request: HttpRequest,
    *,
    redirect_to: str,
    data: dict[str, Any] | None = None,
    error: BlockdeskError | None = None,
    success: str | None = None,
) -> HttpResponse:
    """The answer to a POST: JSON for the script, a redirect with a flash for a form."""
    if error is not None:
        if wants_json(request):
            return error_json(error)
        messages.error(request, error.message)
        return HttpResponseRedirect(redirect_to)
    if wants_json(request):
        return JsonResponse({"ok": True, **(data or {})})
    if success:
        messages.success(request, success)
    return HttpResponseRedirect(redirect_to)
