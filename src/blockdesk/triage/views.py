"""Settings → Triage (administrators): the reference prices, tiers and thresholds, and
the rules. Thin: parse, one service call, respond."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.accounts.models import Team
from blockdesk.conversations.selectors import visible_inboxes
from blockdesk.triage import selectors, services
from blockdesk.triage.forms import RuleForm, SettingsForm
from blockdesk.triage.models import TriageRule
from blockdesk.workspace.forms import saved
from blockdesk.workspace.http import admin_required, current_agent


@admin_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    config = selectors.settings_for(account_id=user.account_pk)
    form = SettingsForm(request.POST or None, initial=SettingsForm.initial_from(config))

    def save(data: dict[str, object]) -> None:
        services.do_update_settings(
            actor=user,
            reference_prices=form.cleaned_data["reference_prices"],
            reference_currency=form.cleaned_data["reference_currency"],
            vip_tiers=form.cleaned_data["vip_tiers"],
            urgent_at=form.cleaned_data["urgent_at"],
            high_at=form.cleaned_data["high_at"],
            set_priority=form.cleaned_data["set_priority"],
        )

    if saved(request, form, save):
        messages.success(request, _("Triage settings saved."))
        return redirect("triage:settings")
    return render(
        request,
        "triage/settings.html",
        {
            "form": form,
            "rules": list(selectors.rules(account_id=user.account_pk)),
            "section": "triage",
        },
        status=400 if request.method == "POST" else 200,
    )


def _rule_form(request: HttpRequest, rule: TriageRule | None) -> RuleForm:
    user = current_agent(request)
    inboxes = [(i.pk, i.name) for i in visible_inboxes(user=user).order_by("name")]
    teams = [(t.pk, t.name) for t in Team.objects.filter(account_id=user.account_pk)]
    initial = RuleForm.initial_from(rule) if rule is not None else None
    return RuleForm(request.POST or None, initial=initial, inboxes=inboxes, teams=teams)


@admin_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int | None = None) -> HttpResponse:
    user = current_agent(request)
    rule = selectors.get_rule(user=user, rule_id=rule_id) if rule_id is not None else None
    form = _rule_form(request, rule)

    def save(data: dict[str, object]) -> None:
        services.do_save_rule(
            actor=user,
            rule=rule,
            name=form.cleaned_data["name"],
            enabled=form.cleaned_data["enabled"],
            position=form.cleaned_data["position"] or 0,
            conditions=form.conditions(),
            actions=form.actions(),
        )

    if saved(request, form, save):
        messages.success(request, _("Rule saved."))
        return redirect("triage:settings")
    return render(
        request,
        "triage/rule_form.html",
        {"form": form, "rule": rule, "section": "triage"},
        status=400 if request.method == "POST" else 200,
    )


@admin_required
@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = current_agent(request)
    rule = selectors.get_rule(user=user, rule_id=rule_id)
    services.do_delete_rule(actor=user, rule=rule)
    messages.success(request, _("Rule deleted."))
    return redirect("triage:settings")
