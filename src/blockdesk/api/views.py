"""Settings → API tokens (administrators). A new token is shown once, on the page that
answers the creating POST; only its keyed hash is kept."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blockdesk.accounts import services as account_services
from blockdesk.api import selectors
from blockdesk.api.forms import ApiTokenForm
from blockdesk.common.errors import ValidationFailed
from blockdesk.workspace.http import admin_required, current_agent


@admin_required
@require_GET
def token_list(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    return render(
        request,
        "api/tokens.html",
        {"tokens": selectors.account_api_tokens(user=user), "form": ApiTokenForm()},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def token_create(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, plain = account_services.do_create_api_token(
                actor=user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
            )
        except ValidationFailed as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            response = render(request, "api/token_created.html", {"token": token, "plain": plain})
            # The plain token must not linger in a browser or proxy cache.
            response["Cache-Control"] = "no-store"
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "api/token_form.html", {"form": form}, status=status)


@admin_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user = current_agent(request)
    token = selectors.account_api_tokens(user=user).filter(pk=token_id).first()
    if token is None:
        raise Http404
    account_services.do_revoke_api_token(actor=user, token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api_tokens:list")
