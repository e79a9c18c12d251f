"""The agent console: the conversation list, one conversation, and its actions.

Every action is an ordinary form POST that redirects back (works without JavaScript);
the console script sends the same POST with `Accept: application/json` and gets JSON."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts.models import Team, User
from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.common.middleware import allow_camera_and_microphone
from blockdesk.conversations import contact_services, services
from blockdesk.conversations import selectors as conv_selectors
from blockdesk.conversations.channel_registry import channel_choices
from blockdesk.conversations.erasure import do_erase_contact
from blockdesk.conversations.models import Conversation
from blockdesk.triage.presenters import badge_dicts as triage_badges
from blockdesk.workspace import forms, panels
from blockdesk.workspace import selectors as ui
from blockdesk.workspace.http import action_result, agent_required, current_agent


def _conversation_url(conv: Conversation, query: str = "") -> str:
    url = reverse("workspace:conversation", args=[conv.display_id])
    return f"{url}?{query}" if query else url


def _list_context(
    request: HttpRequest, user: User, params: ui.ListParams, active: Conversation | None
) -> dict[str, Any]:
    query = params.querystring()
    rows, next_cursor = ui.conversation_list(user=user, params=params)
    counts = ui.view_counts(user=user, params=params)
    inbox_url = reverse("workspace:inbox")
    return {
        "params": params,
        "filters": params.filters,
        "query": query,
        "rows": [(row, _conversation_url(row, query)) for row in rows],
        "next_cursor": next_cursor,
        "active": active,
        "view_tabs": [
            (key, label, f"{inbox_url}?{ui.tab_params(params, key).querystring()}", counts[key])
            for key, label in (
                ("mine", _("Mine")),
                ("unassigned", _("Unassigned")),
                ("assistant", _("Assistant")),
                ("all", _("All")),
            )
        ],
        "inbox_url": inbox_url,
        "inboxes": conv_selectors.visible_inboxes(user=user),
        "tag_names": ui.tag_names(user=user),
        "status_choices": [(ui.STATUS_ANY, _("Any status")), *Conversation.Status.choices],
        "priority_choices": forms.PRIORITY_CHOICES,
        "channel_choices": channel_choices(),
        "console_config": {
            "list_json": reverse("workspace:list_json"),
            "counts_json": reverse("workspace:counts_json"),
            "query": query,
            "user_id": user.pk,
            "active_id": active.pk if active else None,
            # On an older page new conversations are not inserted at the top.
            "paged": bool(params.cursor),
        },
    }


@agent_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    params = ui.parse_list_params(request.GET)
    context = _list_context(request, user, params, None)
    return render(request, "workspace/inbox.html", context)


@agent_required
@require_GET
def list_json(request: HttpRequest) -> JsonResponse:
    """Rows for the live list. With `id`, the one row if it (still) matches the filters."""
    user = current_agent(request)
    params = ui.parse_list_params(request.GET)
    raw_id = request.GET.get("id", "")
    only_id = int(raw_id) if raw_id.isdigit() else None
    rows, next_cursor = ui.conversation_list(user=user, params=params, only_id=only_id)
    query = params.querystring()
    badges = triage_badges(rows)
    return JsonResponse(
        {
            "rows": [
                {**ui.row_dict(r, url=_conversation_url(r, query)), "triage": badges.get(r.pk)}
                for r in rows
            ],
            "next_cursor": next_cursor,
        }
    )


@agent_required
@require_GET
def counts_json(request: HttpRequest) -> JsonResponse:
    """The view tabs' badges for the list's filters (refreshed live)."""
    user = current_agent(request)
    params = ui.parse_list_params(request.GET)
    return JsonResponse({"counts": ui.view_counts(user=user, params=params)})


@agent_required
@require_GET
@allow_camera_and_microphone  # calls with the customer (calls app)
def conversation(request: HttpRequest, display_id: int) -> HttpResponse:
    user = current_agent(request)
    conv = conv_selectors.get_conversation_for_agent(user=user, display_id=display_id)
    services.do_mark_read(user=user, conversation=conv)
    params = ui.parse_list_params(request.GET)
    context = _list_context(request, user, params, conv)
    items = ui.timeline(conversation=conv, finder=panels.entity_finder(conversation=conv))
    state = ui.conversation_state(conv)
    urls = {
        name: f"{reverse(f'workspace:{name}', args=[conv.display_id])}?{context['query']}"
        for name in (
            "reply",
            "status",
            "priority",
            "assign",
            "tags",
            "read",
            "notes",
            "erase_contact",
            "updates",
            "diagnose",
            "watch",
            "knowledge",
        )
    }
    if not user.is_account_admin:
        del urls["erase_contact"]  # administrators only (the service checks it too)
    context.update(
        {
            "conversation": conv,
            "state": state,
            "items": items,
            "panel": ui.contact_panel(user=user, conversation=conv),
            "agents": ui.assignable_agents(conversation=conv),
            "teams": ui.account_teams(user=user),
            "status_choices_action": Conversation.Status.choices,
            "snooze_presets": forms.SNOOZE_PRESETS,
            "idempotency_key": uuid.uuid4().hex,
            "urls": urls,
            "diagnosis": panels.latest_diagnosis(conversation=conv),
            "chain_choices": panels.account_chain_links(account_id=conv.account_id),
            "kb_language": panels.kb_language(locale=conv.contact.locale, text=""),
        }
    )
    context["console_config"].update(
        {
            "conversation": {
                "id": conv.pk,
                "display_id": conv.display_id,
                "urls": urls,
                "last_message_id": max((i.message.pk for i in items if i.message), default=0),
                "last_event_id": max((i.event.pk for i in items if i.event), default=0),
                "state": state,
            },
            "canned_json": reverse("workspace:canned_json"),
        }
    )
    return render(request, "workspace/conversation.html", context)


def _int(query: Mapping[str, str], name: str) -> int:
    raw = query.get(name, "")
    return int(raw) if raw.isdigit() else 0


@agent_required
@require_GET
def updates_json(request: HttpRequest, display_id: int) -> JsonResponse:
    """What happened in a conversation since the ids the page has (live and catch-up)."""
    user = current_agent(request)
    conv = conv_selectors.get_conversation_for_agent(user=user, display_id=display_id)
    items = ui.timeline(
        conversation=conv,
        after_message=_int(request.GET, "after_message"),
        after_event=_int(request.GET, "after_event"),
        finder=panels.entity_finder(conversation=conv),
    )
    return JsonResponse(
        {
            "conversation": ui.conversation_state(conv),
            "items": [ui.timeline_item_dict(i) for i in items],
        }
    )


@agent_required
@require_GET
def canned_json(request: HttpRequest) -> JsonResponse:
    user = current_agent(request)
    return JsonResponse(
        {"replies": ui.canned_reply_dicts(user=user, prefix=request.GET.get("q", ""))}
    )


# --- actions ----------------------------------------------------------------------


def _action_target(request: HttpRequest, display_id: int) -> tuple[User, Conversation, str]:
    user = current_agent(request)
    conv = conv_selectors.get_conversation_for_agent(user=user, display_id=display_id)
    return user, conv, _conversation_url(conv, request.GET.urlencode())


def _state_data(user: User, conv: Conversation) -> dict[str, Any]:
    fresh = conv_selectors.get_conversation_for_agent(user=user, pk=conv.pk)
    return {"conversation": ui.conversation_state(fresh)}


@agent_required
@require_POST
def reply(request: HttpRequest, display_id: int) -> HttpResponse:
    user, conv, back = _action_target(request, display_id)
    form = forms.ReplyForm(request.POST)
    if not form.is_valid():
        return action_result(request, redirect_to=back, error=forms.form_error(form))
    try:
        sent = services.do_send_agent_message(
            agent=user,
            conversation=conv,
            content=form.cleaned_data["content"],
            private=form.cleaned_data["note"],
            idempotency_key=form.cleaned_data["idempotency_key"] or None,
            attachments=request.FILES.getlist("attachments"),
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(
        request, redirect_to=back, data={"message": ui.message_item_dict(sent.message)}
    )


@agent_required
@require_POST
def change_status(request: HttpRequest, display_id: int) -> HttpResponse:
    user, conv, back = _action_target(request, display_id)
    form = forms.StatusForm(request.POST)
    if not form.is_valid():
        return action_result(request, redirect_to=back, error=forms.form_error(form))
    try:
        conv = services.do_change_status(
            actor=user,
            conversation=conv,
            status=form.cleaned_data["status"],
            snoozed_until=form.until(),
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, data=_state_data(user, conv))


@agent_required
@require_POST
def change_priority(request: HttpRequest, display_id: int) -> HttpResponse:
    user, conv, back = _action_target(request, display_id)
    form = forms.PriorityForm(request.POST)
    if not form.is_valid():
        return action_result(request, redirect_to=back, error=forms.form_error(form))
    try:
        conv = services.do_change_priority(
            actor=user, conversation=conv, priority=form.cleaned_data["priority"]
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, data=_state_data(user, conv))


def _pick_assignee(user: User, raw: str) -> User | None:
    if raw == "":
        return None
    if raw == "me":
        return user
    agent = (
        User.objects.filter(account_id=user.account_pk, pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if agent is None:
        raise ValidationFailed.field("assignee", _("No such agent."))
    return agent


def _pick_team(user: User, raw: str) -> Team | None:
    if raw == "":
        return None
    team = (
        Team.objects.filter(account_id=user.account_pk, pk=int(raw)).first()
        if raw.isdigit()
        else None
    )
    if team is None:
        raise ValidationFailed.field("team", _("No such team."))
    return team


@agent_required
@require_POST
def assign(request: HttpRequest, display_id: int) -> HttpResponse:
    user, conv, back = _action_target(request, display_id)
    form = forms.AssignForm(request.POST)
    if not form.is_valid():
        return action_result(request, redirect_to=back, error=forms.form_error(form))
    try:
        # A form that has no team field leaves the team as it is.
        set_team = "team" in request.POST
        conv = services.do_assign(
            actor=user,
            conversation=conv,
            assignee=(
                _pick_assignee(user, form.cleaned_data["assignee"])
                if "assignee" in request.POST
                else conv.assignee
            ),
            team=_pick_team(user, form.cleaned_data["team"]) if set_team else None,
            set_team=set_team,
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, data=_state_data(user, conv))


@agent_required
@require_POST
def change_tags(request: HttpRequest, display_id: int) -> HttpResponse:
    user, conv, back = _action_target(request, display_id)
    form = forms.TagsForm(request.POST)
    if not form.is_valid():
        return action_result(request, redirect_to=back, error=forms.form_error(form))
    current = sorted(t.name for t in conv.tags.all())
    try:
        conv = services.do_set_tags(actor=user, conversation=conv, names=form.names(current))
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back, data=_state_data(user, conv))


@agent_required
@require_POST
def mark_read(request: HttpRequest, display_id: int) -> HttpResponse:
    user, conv, back = _action_target(request, display_id)
    try:
        services.do_mark_read(user=user, conversation=conv)
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(request, redirect_to=back)


@agent_required
@require_POST
def contact_notes(request: HttpRequest, display_id: int) -> HttpResponse:
    user, conv, back = _action_target(request, display_id)
    form = forms.ContactNotesForm(request.POST)
    if not form.is_valid():
        return action_result(request, redirect_to=back, error=forms.form_error(form))
    try:
        contact = contact_services.do_update_contact_notes(
            actor=user, conversation=conv, notes=form.cleaned_data["notes"]
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    return action_result(
        request, redirect_to=back, data={"notes": contact.notes}, success=_("Notes saved.")
    )


@agent_required
@require_POST
def erase_contact(request: HttpRequest, display_id: int) -> HttpResponse:
    """An administrator erases the customer of this conversation at their request."""
    user, conv, back = _action_target(request, display_id)
    try:
        erased = do_erase_contact(
            actor=user, contact=conv.contact, confirmed=request.POST.get("confirm") == "yes"
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=back, error=exc)
    done = ngettext(
        "The customer's data was erased: %(count)d conversation.",
        "The customer's data was erased: %(count)d conversations.",
        erased.conversations,
    ) % {"count": erased.conversations}
    return action_result(request, redirect_to=reverse("workspace:inbox"), success=done)
