"""Console pages at /app/feedback/: the suggestions with votes and demand, one
suggestion's status / merge / moderation / linked conversations, linking a conversation
from the console, and the settings (administrators)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.feedback import selectors, services
from blockdesk.workspace.http import action_result, admin_required, agent_required, current_agent


def _int(value: str | None, field: str) -> int:
    try:
        return int(value or "")
    except ValueError as exc:
        raise ValidationFailed.field(field, _("A number.")) from exc


@agent_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    rows = selectors.agent_suggestions(user=user, status=status, query=query)[:200]
    return render(
        request,
        "feedback/console/list.html",
        {
            "section": "feedback",
            "rows": rows,
            "status": status,
            "q": query,
            "statuses": services.Status.choices,
        },
    )


@agent_required
@require_GET
def detail(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user = current_agent(request)
    suggestion = selectors.agent_suggestion(user=user, suggestion_id=suggestion_id)
    return render(
        request,
        "feedback/console/detail.html",
        {
            "section": "feedback",
            "s": suggestion,
            "links": selectors.links(user=user, suggestion=suggestion)[:200],
            "history": selectors.history(suggestion),
            "statuses": [c for c in services.Status.choices if c[0] != services.Status.DUPLICATE],
        },
    )


def _back(suggestion_id: int) -> str:
    return reverse("feedback:detail", args=[suggestion_id])


@agent_required
@require_POST
def change_status(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user = current_agent(request)
    try:
        services.do_change_status(
            actor=user,
            suggestion_id=suggestion_id,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=_back(suggestion_id), error=exc)
    return action_result(request, redirect_to=_back(suggestion_id), success=_("Status changed."))


@agent_required
@require_POST
def merge(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user = current_agent(request)
    try:
        into = services.do_merge(
            actor=user, duplicate_id=suggestion_id, into_id=_int(request.POST.get("into"), "into")
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=_back(suggestion_id), error=exc)
    return action_result(
        request, redirect_to=_back(into.pk), data={"into": into.pk}, success=_("Merged.")
    )


@agent_required
@require_POST
def hide(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    user = current_agent(request)
    try:
        services.do_set_hidden(
            actor=user, suggestion_id=suggestion_id, hidden=request.POST.get("hidden") == "1"
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=_back(suggestion_id), error=exc)
    return action_result(request, redirect_to=_back(suggestion_id), success=_("Saved."))


@agent_required
@require_POST
def link(request: HttpRequest) -> HttpResponse:
    """From a conversation (or a suggestion's page): this case asked for that idea."""
    user = current_agent(request)
    back = request.POST.get("next", "")
    if not back.startswith("/app/"):
        back = reverse("feedback:index")
    try:
        suggestion_id = _int(request.POST.get("suggestion"), "suggestion")
        conversation_id = services.conversation_pk(
            actor=user, display_id=_int(request.POST.get("case"), "case")
        )
        if request.POST.get("action") == "unlink":
            services.do_unlink_conversation(
                actor=user, suggestion_id=suggestion_id, conversation_id=conversation_id
            )
        else:
            services.do_link_conversation(
                actor=user, suggestion_id=suggestion_id, conversation_id=conversation_id
            )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, success=_("Saved."))


@agent_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    """An agent writes down an idea a customer told them."""
    user = current_agent(request)
    try:
        suggestion = services.do_post_suggestion(
            account_id=user.account_pk,
            by=user,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=reverse("feedback:index"), error=exc)
    return action_result(request, redirect_to=_back(suggestion.pk), data={"id": suggestion.pk})


@admin_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    row = services.settings_for(user.account_pk)
    error = None
    status = 200
    if request.method == "POST":
        try:
            services.do_update_settings(
                actor=user,
                values={
                    "enabled": request.POST.get("enabled") == "on",
                    "notify_voters": request.POST.get("notify_voters") == "on",
                    "vote_budget": _int(request.POST.get("vote_budget"), "vote_budget"),
                    "votes_per_address": _int(
                        request.POST.get("votes_per_address"), "votes_per_address"
                    ),
                },
            )
        except BlockdeskError as exc:
            error, status = exc, 422
        else:
            return action_result(
                request, redirect_to=reverse("feedback:settings"), success=_("Saved.")
            )
    return render(
        request,
        "feedback/console/settings.html",
        {"section": "feedback", "row": row, "error": error},
        status=status,
    )
