"""Settings → Service records (administrators): anchoring on a chain, the hot wallet, the
anchors with their cost and errors, and the published signing keys."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts import selectors as account_selectors
from blockdesk.accounts.models import Account, User
from blockdesk.chain.models import Chain
from blockdesk.common.errors import BlockdeskError, NotFound, ValidationFailed
from blockdesk.records import anchoring, services
from blockdesk.records.models import Anchor, SigningKey
from blockdesk.workspace.http import action_result, admin_required, current_agent

ANCHORS_SHOWN = 50


def _account(user: User) -> Account:
    return Account.objects.get(pk=user.account_pk)


def _back() -> str:
    return reverse("records_settings:index")


def _ether(wei: int | Decimal | None, decimals: int) -> str:
    if wei is None:
        return ""
    return f"{Decimal(wei) / Decimal(10) ** decimals:.8f}".rstrip("0").rstrip(".")


@admin_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    account = _account(user)
    found = anchoring.anchor_settings(account=account)
    chain = found.chain
    decimals = chain.native_decimals if chain else 18
    symbol = chain.native_symbol if chain else ""
    anchors = list(Anchor.objects.filter(log__account=account).order_by("-pk")[:ANCHORS_SHOWN])
    for anchor in anchors:
        anchor.cost_display = _ether(anchor.cost_wei, decimals)  # type: ignore[attr-defined]
    context = {
        "section": "records",
        "has_two_factor": account_selectors.has_two_factor(user=user),
        "settings": found,
        "chains": Chain.objects.filter(account=account, family="evm").order_by("name"),
        "balance": _ether(anchoring.wallet_balance(found=found), decimals),
        "symbol": symbol,
        "anchors": anchors,
        "total_cost": _ether(sum((a.cost_wei or 0 for a in anchors), Decimal(0)), decimals),
        "keys": SigningKey.objects.filter(log__account=account).order_by("-valid_from"),
    }
    return render(request, "records/settings.html", context)


@admin_required
@require_POST
def configure(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    chain_key = request.POST.get("chain", "")
    try:
        chain = Chain.objects.filter(account_id=user.account_pk, key=chain_key).first()
        if chain_key and chain is None:
            raise NotFound(_("No such network."))
        try:
            interval = int(request.POST.get("interval_minutes", "60"))
        except ValueError:
            raise ValidationFailed(_("The interval must be a whole number of minutes.")) from None
        anchoring.do_configure_anchoring(
            actor=user,
            account=_account(user),
            enabled=request.POST.get("enabled") == "on",
            chain=chain,
            interval_minutes=interval,
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=_back(), error=exc)
    return action_result(request, redirect_to=_back(), success=_("Anchoring settings saved."))


@admin_required
@require_POST
def wallet(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    key = request.POST.get("private_key", "").strip() or None
    try:
        found = anchoring.do_set_hot_wallet(actor=user, account=_account(user), private_key_hex=key)
    except BlockdeskError as exc:
        return action_result(request, redirect_to=_back(), error=exc)
    return action_result(
        request,
        redirect_to=_back(),
        data={"address": found.wallet_address},
        success=_("Hot wallet %(address)s saved; fund it to pay for anchors.")
        % {"address": found.wallet_address},
    )


@admin_required
@require_POST
def anchor_now(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    anchor = anchoring.do_anchor_latest(account=_account(user))
    if anchor is None:
        message = _("Nothing to anchor (anchoring is off or the log did not grow).")
    elif anchor.status == Anchor.Status.FAILED:
        message = _("The anchor failed and will be retried: %(error)s") % {
            "error": anchor.last_error
        }
    else:
        message = _("Anchor sent.")
    return action_result(request, redirect_to=_back(), success=message)


@admin_required
@require_POST
def retry(request: HttpRequest, anchor_id: int) -> HttpResponse:
    user = current_agent(request)
    anchor = Anchor.objects.filter(pk=anchor_id, log__account_id=user.account_pk).first()
    if anchor is None:
        return action_result(request, redirect_to=_back(), error=NotFound(_("No such anchor.")))
    anchor = anchoring.do_retry_anchor(actor=user, anchor=anchor)
    return action_result(
        request,
        redirect_to=_back(),
        data={"status": anchor.status},
        success=_("Anchor retried: %(status)s.") % {"status": anchor.get_status_display()},
    )


@admin_required
@require_POST
def rotate_key(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    key = services.do_rotate_signing_key(account=_account(user))
    return action_result(
        request,
        redirect_to=_back(),
        data={"key_id": key.key_id},
        success=_("New signing key %(key)s; the old one stays published.")
        % {"key": key.key_id[:16]},
    )
