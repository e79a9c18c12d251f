"""Settings pages under /app/settings/. Everything but the agent's own profile is for
administrators; the services check that again, so a forged POST gets nowhere."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.accounts import admin_services as account_admin
from blockdesk.accounts import selectors as account_selectors
from blockdesk.accounts import services as account_services
from blockdesk.accounts.models import Team, User
from blockdesk.common.errors import BlockdeskError
from blockdesk.connectors import services as channel_services
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.connectors.services import do_create_web_widget_inbox
from blockdesk.conversations import admin_services as conv_admin
from blockdesk.conversations import selectors as conv_selectors
from blockdesk.conversations.models import CannedReply, Tag
from blockdesk.workspace import forms
from blockdesk.workspace.http import admin_required, agent_required, current_agent

GET_POST = require_http_methods(["GET", "POST"])


def _page(
    request: HttpRequest, template: str, section: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    user = current_agent(request)
    context = {
        **context,
        "section": section,
        "has_two_factor": account_selectors.has_two_factor(user=user),
    }
    return render(request, f"workspace/settings/{template}", context, status=status)


def _done(request: HttpRequest, url_name: str, message: str, *args: Any) -> HttpResponse:
    messages.success(request, message)
    return HttpResponseRedirect(reverse(f"workspace:{url_name}", args=args))


@agent_required
def index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    return redirect("workspace:settings_agents" if user.is_account_admin else "workspace:profile")


# --- own profile (every agent) ----------------------------------------------------


@agent_required
@GET_POST
def profile(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    initial = {"display_name": user.display_name, "preferred_language": user.preferred_language}
    form = forms.ProfileForm(request.POST or None, initial=initial)
    if forms.saved(
        request,
        form,
        lambda data: account_admin.do_update_own_profile(
            user=user,
            display_name=data["display_name"],
            preferred_language=data["preferred_language"],
        ),
    ):
        response = _done(request, "profile", _("Your profile is saved."))
        # The language switch reads this cookie, so the choice takes effect at once.
        if user.preferred_language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.preferred_language,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
    return _page(request, "profile.html", "profile", {"form": form})


# --- agents -----------------------------------------------------------------------


@admin_required
def agents(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    rows = account_selectors.account_agents(user=user).prefetch_related("teams")
    return _page(request, "agents.html", "agents", {"agents": rows})


@admin_required
@GET_POST
def agent_new(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = forms.AgentCreateForm(request.POST or None, initial={"role": User.Role.AGENT})
    if request.method == "POST" and form.is_valid():
        try:
            assert user.account is not None
            account_services.do_create_agent(actor=user, account=user.account, **form.cleaned_data)
        except BlockdeskError as exc:
            forms.apply_error(form, exc)
        else:
            return _done(request, "settings_agents", _("The agent was added."))
    return _page(request, "agent_form.html", "agents", {"form": form, "creating": True})


@admin_required
@GET_POST
def agent_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = current_agent(request)
    agent = account_selectors.account_agents(user=user).filter(pk=user_id).first()
    if agent is None:
        raise Http404
    initial = {"display_name": agent.display_name, "role": agent.role, "is_active": agent.is_active}
    form = forms.AgentEditForm(request.POST or None, initial=initial)
    if forms.saved(
        request,
        form,
        lambda data: account_services.do_update_agent(actor=user, agent=agent, **data),
    ):
        return _done(request, "settings_agents", _("The agent was updated."))
    return _page(request, "agent_form.html", "agents", {"form": form, "agent": agent})


# --- teams ------------------------------------------------------------------------


@admin_required
@GET_POST
def teams(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = forms.TeamForm(request.POST or None, account_id=user.account_pk)
    if forms.saved(
        request,
        form,
        lambda data: account_services.do_create_team(
            actor=user, name=data["name"], members=data["members"]
        ),
    ):
        return _done(request, "settings_teams", _("The team was created."))
    rows = account_selectors.account_teams(user=user).order_by("name")
    return _page(request, "teams.html", "teams", {"form": form, "teams": rows})


def _team(user: User, team_id: int) -> Team:
    team = account_selectors.account_teams(user=user).filter(pk=team_id).first()
    if team is None:
        raise Http404
    return team


@admin_required
@GET_POST
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    user = current_agent(request)
    team = _team(user, team_id)
    initial = {
        "name": team.name,
        "members": list(team.members.all()),
        "leads": [m.user for m in team.memberships.filter(is_lead=True).select_related("user")],
    }
    form = forms.TeamForm(
        request.POST or None, account_id=user.account_pk, initial=initial, with_leads=True
    )
    if forms.saved(
        request,
        form,
        lambda data: account_admin.do_update_team(
            actor=user,
            team=team,
            name=data["name"],
            members=data["members"],
            leads=data["leads"],
        ),
    ):
        return _done(request, "settings_teams", _("The team was saved."))
    return _page(request, "team_form.html", "teams", {"form": form, "team": team})


@admin_required
@require_POST
def team_delete(request: HttpRequest, team_id: int) -> HttpResponse:
    user = current_agent(request)
    account_admin.do_delete_team(actor=user, team=_team(user, team_id))
    return _done(request, "settings_teams", _("The team was deleted."))


# --- inboxes ----------------------------------------------------------------------


@admin_required
def inboxes(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    rows = conv_selectors.visible_inboxes(user=user).prefetch_related("members")
    return _page(request, "inboxes.html", "inboxes", {"inboxes": rows})


@admin_required
@GET_POST
def inbox_new(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = forms.InboxCreateForm(request.POST or None, account_id=user.account_pk)
    if request.method == "POST" and form.is_valid():
        try:
            assert user.account is not None
            channel = do_create_web_widget_inbox(
                actor=user, account=user.account, **form.cleaned_data
            )
        except BlockdeskError as exc:
            forms.apply_error(form, exc)
        else:
            return _done(
                request,
                "settings_inbox",
                _("The inbox was created. Embed it on your site."),
                channel.inbox_id,
            )
    return _page(request, "inbox_form.html", "inboxes", {"form": form, "creating": True})


def _widget(user: User, inbox_id: int) -> WebWidgetChannel:
    inbox = conv_selectors.visible_inboxes(user=user).filter(pk=inbox_id).first()
    if inbox is None or not isinstance(inbox.channel, WebWidgetChannel):
        raise Http404
    return inbox.channel


@admin_required
@GET_POST
def inbox_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    user = current_agent(request)
    channel = _widget(user, inbox_id)
    inbox = channel.inbox
    initial = {
        "name": inbox.name,
        "members": list(inbox.members.all()),
        "website_url": channel.website_url,
        "welcome_title": channel.welcome_title,
        "welcome_tagline": channel.welcome_tagline,
        "color": channel.color,
        "allowed_origins": channel.allowed_origins,
    }
    form = forms.InboxEditForm(request.POST or None, account_id=user.account_pk, initial=initial)
    if forms.saved(
        request,
        form,
        lambda data: channel_services.do_update_web_widget_inbox(
            actor=user, channel=channel, **data
        ),
    ):
        return _done(request, "settings_inbox", _("The inbox was saved."), inbox.pk)
    return _page(
        request,
        "inbox_form.html",
        "inboxes",
        {"form": form, "inbox": inbox, "channel": channel, "snippet": channel.embed_snippet()},
    )


# --- canned replies ---------------------------------------------------------------


def _canned(user: User, reply_id: int) -> CannedReply:
    reply = conv_selectors.canned_replies(user=user).filter(pk=reply_id).first()
    if reply is None:
        raise Http404
    return reply


@admin_required
@GET_POST
def canned_replies(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = forms.CannedReplyForm(request.POST or None)
    if forms.saved(
        request, form, lambda data: conv_admin.do_create_canned_reply(actor=user, **data)
    ):
        return _done(request, "settings_canned", _("The canned reply was added."))
    rows = conv_selectors.canned_replies(user=user)
    return _page(request, "canned.html", "canned", {"form": form, "replies": rows})


@admin_required
@GET_POST
def canned_reply_edit(request: HttpRequest, reply_id: int) -> HttpResponse:
    user = current_agent(request)
    reply = _canned(user, reply_id)
    initial = {"shortcut": reply.shortcut, "content": reply.content}
    form = forms.CannedReplyForm(request.POST or None, initial=initial)
    if forms.saved(
        request,
        form,
        lambda data: conv_admin.do_update_canned_reply(actor=user, reply=reply, **data),
    ):
        return _done(request, "settings_canned", _("The canned reply was saved."))
    return _page(request, "canned_form.html", "canned", {"form": form, "reply": reply})


@admin_required
@require_POST
def canned_reply_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    user = current_agent(request)
    conv_admin.do_delete_canned_reply(actor=user, reply=_canned(user, reply_id))
    return _done(request, "settings_canned", _("The canned reply was deleted."))


# --- tags -------------------------------------------------------------------------


def _tag(user: User, tag_id: int) -> Tag:
    tag = Tag.objects.filter(account_id=user.account_pk, pk=tag_id).first()
    if tag is None:
        raise Http404
    return tag


@admin_required
@GET_POST
def tags(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = forms.TagForm(request.POST or None)
    if forms.saved(
        request, form, lambda data: conv_admin.do_create_tag(actor=user, name=data["name"])
    ):
        return _done(request, "settings_tags", _("The tag was added."))
    from django.db.models import Count

    rows = Tag.objects.filter(account_id=user.account_pk).annotate(uses=Count("conversations"))
    return _page(request, "tags.html", "tags", {"form": form, "tags": rows})


@admin_required
@GET_POST
def tag_edit(request: HttpRequest, tag_id: int) -> HttpResponse:
    user = current_agent(request)
    tag = _tag(user, tag_id)
    form = forms.TagForm(request.POST or None, initial={"name": tag.name})
    if forms.saved(
        request, form, lambda data: conv_admin.do_rename_tag(actor=user, tag=tag, name=data["name"])
    ):
        return _done(request, "settings_tags", _("The tag was renamed."))
    return _page(request, "tag_form.html", "tags", {"form": form, "tag": tag})


@admin_required
@require_POST
def tag_delete(request: HttpRequest, tag_id: int) -> HttpResponse:
    user = current_agent(request)
    conv_admin.do_delete_tag(actor=user, tag=_tag(user, tag_id))
    return _done(request, "settings_tags", _("The tag was deleted."))


# --- security ---------------------------------------------------------------------


@admin_required
@GET_POST
def security(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    assert user.account is not None
    form = forms.SecurityForm(
        request.POST or None, initial={"require_two_factor": user.account.require_two_factor}
    )
    if forms.saved(
        request,
        form,
        lambda data: account_services.do_set_require_two_factor(
            actor=user, required=data["require_two_factor"]
        ),
    ):
        return _done(request, "settings_security", _("Security settings saved."))
    agents_without = [
        a
        for a in account_selectors.account_agents(user=user)
        .filter(is_active=True)
        .select_related("totp")
        if not account_selectors.has_two_factor(user=a)
    ]
    return _page(
        request, "security.html", "security", {"form": form, "agents_without": agents_without}
    )
