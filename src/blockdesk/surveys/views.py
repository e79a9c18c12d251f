"""Console pages: Settings → Surveys (administrators), the survey results (agents see the
CSAT of the inboxes they can see; NPS is account-wide) with CSV export, and the survey
actions of a conversation (skip, send now)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blockdesk.common.csvcells import csv_lines
from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.surveys import selectors, services
from blockdesk.surveys.forms import SurveySettingsForm
from blockdesk.surveys.models import CsatOffer
from blockdesk.surveys.nps import classify
from blockdesk.workspace.http import action_result, admin_required, agent_required, current_agent


def _days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    return days if days in selectors.WINDOWS else 30


@admin_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    row = services.settings_for(user.account_pk)
    form = SurveySettingsForm(request.POST or None, instance=row)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.do_update_settings(
                    actor=user, values={k: form.cleaned_data[k] for k in form.Meta.fields}
                )
            except ValidationFailed as exc:
                for name, errors in exc.fields.items():
                    form.add_error(name if name in form.fields else None, errors)
                status = 422
            else:
                return action_result(
                    request, redirect_to=reverse("surveys:settings"), success=_("Saved.")
                )
        else:
            status = 400
    public_url = reverse("surveys_public:figures", args=[row.public_id])
    return render(
        request,
        "surveys/settings.html",
        {"section": "surveys", "form": form, "row": row, "public_url": public_url},
        status=status,
    )


@agent_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    days = _days(request)
    figures = selectors.figures(account_id=user.account_pk, days=days, user=user)
    comments = selectors.recent_csat(
        account_id=user.account_pk, user=user, days=days, limit=30, with_comment=True
    )
    reasons = selectors.recent_nps(
        account_id=user.account_pk, days=days, limit=30, with_reason=True
    )
    return render(
        request,
        "surveys/results.html",
        {
            "section": "surveys_results",
            "f": figures,
            "days": days,
            "windows": selectors.WINDOWS,
            "comments": comments,
            "reasons": [(r, classify(r.score)) for r in reasons],
        },
    )


@agent_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponseBase:
    """Every answer of the window: CSAT (scoped like the page) then NPS."""
    user = current_agent(request)
    days = _days(request)
    csat = selectors.recent_csat(account_id=user.account_pk, user=user, days=days, limit=None)
    nps_rows = selectors.recent_nps(account_id=user.account_pk, days=days, limit=None)

    def rows() -> Iterator[list[Any]]:
        yield ["survey", "answered_at", "case", "inbox", "customer", "score", "category", "comment"]
        for r in csat.iterator(chunk_size=500):
            yield [
                "csat",
                r.created_at.isoformat(),
                r.conversation.display_id,
                r.conversation.inbox.name,
                r.conversation.contact.display_name,
                r.score,
                "satisfied" if r.score >= 4 else ("neutral" if r.score == 3 else "unsatisfied"),
                r.comment,
            ]
        for n in nps_rows.iterator(chunk_size=500):
            yield [
                "nps",
                n.created_at.isoformat(),
                "",
                "",
                n.survey.contact.display_name,
                n.score,
                classify(n.score),
                n.reason,
            ]

    response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="surveys-{days}d-{stamp}.csv"'
    return response


def _case_action(
    request: HttpRequest,
    conversation_id: int,
    act: Callable[..., CsatOffer],
    success: str,
) -> HttpResponse:
    user = current_agent(request)
    try:
        conversation = services.check_agent_conversation(user=user, conversation_id=conversation_id)
        offer = act(actor=user, conversation=conversation)
    except BlockdeskError as exc:
        return action_result(request, redirect_to=reverse("workspace:inbox"), error=exc)
    return action_result(
        request,
        redirect_to=reverse("workspace:conversation", args=[conversation.display_id]),
        data={"status": offer.status, "offer_id": offer.pk},
        success=success,
    )


@agent_required
@require_POST
def skip(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _case_action(
        request,
        conversation_id,
        services.do_skip_survey,
        _("No survey will be sent for this case."),
    )


@agent_required
@require_POST
def send_now(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _case_action(request, conversation_id, services.do_send_survey_now, _("Survey sent."))
