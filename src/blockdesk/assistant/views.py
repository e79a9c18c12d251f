"""Settings → Assistant (administrators) and the agents' correction endpoint. Thin:
parse, one service call, respond."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blockdesk.assistant import configuration, selectors, services
from blockdesk.assistant.forms import AssistantSettingsForm, CorrectionForm, languages
from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.conversations import selectors as conv_selectors
from blockdesk.workspace.forms import saved
from blockdesk.workspace.http import (
    action_result,
    admin_required,
    agent_required,
    current_agent,
    error_json,
    wants_json,
)


@admin_required
@require_GET
def settings_index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    inboxes = list(selectors.assistant_inboxes(user=user))
    rows = [(inbox, selectors.settings_for_inbox(inbox)) for inbox in inboxes]
    stats = selectors.intent_stats(account_id=user.account_pk)[:20]
    return render(
        request,
        "assistant/settings_index.html",
        {"rows": rows, "stats": stats, "section": "assistant"},
    )


@admin_required
@require_http_methods(["GET", "POST"])
def settings_inbox(request: HttpRequest, inbox_id: int) -> HttpResponse:
    user = current_agent(request)
    inbox = selectors.get_inbox_for_admin(user=user, inbox_id=inbox_id)
    config = selectors.settings_for_inbox(inbox)
    form = AssistantSettingsForm(
        request.POST or None, initial=AssistantSettingsForm.initial_from(config)
    )

    def save(_data: dict[str, object]) -> None:
        values, api_key = form.service_values()
        configuration.do_update_settings(
            user=user, inbox_id=inbox.pk, values=values, api_key=api_key
        )

    if saved(request, form, save):
        messages.success(request, _("Assistant settings saved."))
        return redirect("assistant:settings_inbox", inbox.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "assistant/settings_inbox.html",
        {
            "inbox": inbox,
            "form": form,
            "config": config,
            "has_api_key": bool(config.generative_api_key),
            "languages": languages(),
            "section": "assistant",
        },
        status=status,
    )


@agent_required
@require_GET
def article_options(request: HttpRequest, message_id: int) -> HttpResponse:
    """The articles an agent may pick as the right answer to an assistant message."""
    user = current_agent(request)
    message = selectors.assistant_message_for_agent(user=user, message_id=message_id)
    language = request.LANGUAGE_CODE or "en"
    choices = selectors.article_choices(
        account_id=int(message.conversation.account_id), language=language
    )
    return JsonResponse({"articles": [{"key": k, "title": t} for k, t in choices]})


@agent_required
@require_POST
def correct(request: HttpRequest, message_id: int) -> HttpResponse:
    user = current_agent(request)
    form = CorrectionForm(request.POST)
    back = request.headers.get("Referer") or "/app/"
    if not form.is_valid():
        error = ValidationFailed.field("correct_key", _("Choose a published article."))
        return (
            error_json(error)
            if wants_json(request)
            else action_result(request, redirect_to=back, error=error)
        )
    try:
        correction = configuration.do_record_correction(
            user=user, message_id=message_id, correct_key=form.cleaned_data["correct_key"]
        )
    except ValidationFailed as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(
        request,
        redirect_to=back,
        data={"correction": {"id": correction.pk, "correct_key": correction.correct_key}},
        success=_("Thanks — the assistant will learn from this correction."),
    )


@agent_required
@require_POST
def take_over(request: HttpRequest, display_id: int) -> HttpResponse:
    """An agent takes a case the assistant is handling (the console's Assistant view)."""
    user = current_agent(request)
    conv = conv_selectors.get_conversation_for_agent(user=user, display_id=display_id)
    back = reverse("workspace:conversation", args=[conv.display_id])
    try:
        services.do_take_over(actor=user, conversation=conv)
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(
        request, redirect_to=back, success=_("You took this conversation from the assistant.")
    )
