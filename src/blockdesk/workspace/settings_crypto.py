"""Settings pages for the chain registry (/app/settings/chains/) and the search synonyms
(/app/settings/synonyms/).

The chain app has no HTTP views by design: these call its services and selectors. Endpoint
URLs are write-only here; pages show them masked (chain_admin_view), never as stored."""

from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.accounts.models import User
from blockdesk.chain import selectors as chain_selectors
from blockdesk.chain import services as chain_services
from blockdesk.chain.models import Chain
from blockdesk.common.errors import BlockdeskError
from blockdesk.kb import synonym_services
from blockdesk.kb.models import Synonym
from blockdesk.workspace import crypto_forms as cf
from blockdesk.workspace.forms import apply_error
from blockdesk.workspace.http import admin_required, agent_required, current_agent
from blockdesk.workspace.selectors import contract_abis
from blockdesk.workspace.settings_views import _page

GET_POST = require_http_methods(["GET", "POST"])


# --- chains ---------------------------------------------------------------------------


@agent_required
def chains(request: HttpRequest) -> HttpResponse:
    """Every agent may look (they explain networks to customers); admins change."""
    user = current_agent(request)
    rows = [chain_selectors.chain_admin_view(c) for c in chain_selectors.account_chains(actor=user)]
    return _page(
        request, "chains.html", "chains", {"chains": rows, "can_edit": user.is_account_admin}
    )


@admin_required
@require_POST
def load_defaults(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    chain_services.check_chain_admin(actor=user)
    assert user.account is not None
    created = chain_services.seed_default_chains(account=user.account)
    if created:
        text = ngettext(
            "%(n)d network was added. Set an endpoint and enable it to use it.",
            "%(n)d networks were added. Set an endpoint and enable the ones you use.",
            created,
        ) % {"n": created}
    else:
        text = _("Every default network is already there.")
    messages.success(request, text)
    return HttpResponseRedirect(reverse("workspace:settings_chains"))


def _chain_page(
    request: HttpRequest,
    user: User,
    chain: Chain,
    *,
    form: django_forms.Form | None = None,
    token_form: django_forms.Form | None = None,
    deposit_form: django_forms.Form | None = None,
    abi_form: django_forms.Form | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {
        "chain": chain,
        "view": chain_selectors.chain_admin_view(chain),
        "form": form or cf.ChainForm(chain=chain, initial=cf.chain_initial(chain)),
        "token_form": token_form or cf.TokenForm(prefix="token"),
        "deposit_form": deposit_form or cf.DepositAddressForm(prefix="deposit"),
        "abi_form": abi_form or cf.AbiForm(prefix="abi"),
        "abis": contract_abis(actor=user, chain=chain),
    }
    return _page(request, "chain_form.html", "chains", context)


def _chain_done(request: HttpRequest, chain: Chain, message: str) -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(reverse("workspace:settings_chain", args=[chain.key]))


@admin_required
@GET_POST
def chain_edit(request: HttpRequest, key: str) -> HttpResponse:
    user = current_agent(request)
    chain = chain_selectors.get_chain(actor=user, key=key)
    if request.method != "POST":
        return _chain_page(request, user, chain)
    form = cf.ChainForm(request.POST, chain=chain, initial=cf.chain_initial(chain))
    if form.is_valid():
        try:
            chain_services.do_configure_chain(actor=user, chain=chain, **form.changes())
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            return _chain_done(request, chain, _("The network was saved."))
    # The instance may hold rejected values now: show the stored ones around the form.
    chain.refresh_from_db()
    return _chain_page(request, user, chain, form=form)


def _add(
    request: HttpRequest,
    key: str,
    form_class: type[django_forms.Form],
    prefix: str,
    write: Any,
    done: str,
) -> HttpResponse:
    user = current_agent(request)
    chain = chain_selectors.get_chain(actor=user, key=key)
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            write(user, chain, form.cleaned_data)
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            return _chain_done(request, chain, done)
    return _chain_page(request, user, chain, **{f"{prefix}_form": form})


@admin_required
@require_POST
def token_add(request: HttpRequest, key: str) -> HttpResponse:
    return _add(
        request,
        key,
        cf.TokenForm,
        "token",
        lambda user, chain, data: chain_services.do_add_token(actor=user, chain=chain, **data),
        _("The token was added."),
    )


@admin_required
@require_POST
def deposit_add(request: HttpRequest, key: str) -> HttpResponse:
    return _add(
        request,
        key,
        cf.DepositAddressForm,
        "deposit",
        lambda user, chain, data: chain_services.do_add_deposit_address(
            actor=user, chain=chain, **data
        ),
        _("The deposit address was added."),
    )


def _write_abi(user: User, chain: Chain, data: dict[str, Any]) -> None:
    chain_services.do_add_contract_abi(
        actor=user,
        name=data["name"],
        abi=data["abi"],
        chain=None if data["every_chain"] else chain,
        address=data["address"].strip(),
    )


@admin_required
@require_POST
def abi_add(request: HttpRequest, key: str) -> HttpResponse:
    return _add(request, key, cf.AbiForm, "abi", _write_abi, _("The contract ABI was added."))


# --- synonyms -----------------------------------------------------------------------------


def _synonym(user: User, synonym_id: int) -> Synonym:
    return synonym_services.get_synonym(actor=user, synonym_id=synonym_id)


def _synonyms_done(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(reverse("workspace:settings_synonyms"))


@admin_required
@GET_POST
def synonyms(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = cf.SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            synonym_services.do_create_synonym(actor=user, terms=form.cleaned_data["terms"])
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            return _synonyms_done(request, _("The synonym group was added."))
    rows = synonym_services.account_synonyms(actor=user)
    return _page(request, "synonyms.html", "synonyms", {"form": form, "synonyms": rows})


@admin_required
@GET_POST
def synonym_edit(request: HttpRequest, synonym_id: int) -> HttpResponse:
    user = current_agent(request)
    synonym = _synonym(user, synonym_id)
    form = cf.SynonymForm(request.POST or None, initial={"terms": synonym.terms})
    if request.method == "POST" and form.is_valid():
        try:
            synonym_services.do_update_synonym(
                actor=user, synonym=synonym, terms=form.cleaned_data["terms"]
            )
        except BlockdeskError as exc:
            apply_error(form, exc)
        else:
            return _synonyms_done(request, _("The synonym group was saved."))
    return _page(request, "synonym_form.html", "synonyms", {"form": form, "synonym": synonym})


@admin_required
@require_POST
def synonym_delete(request: HttpRequest, synonym_id: int) -> HttpResponse:
    user = current_agent(request)
    synonym_services.do_delete_synonym(actor=user, synonym=_synonym(user, synonym_id))
    return _synonyms_done(request, _("The synonym group was deleted."))
