"""Console pages for administrators: write a post in each language, publish now or at a
time, withdraw. Thin: each view parses the form and calls one service."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from blockdesk.announcements import selectors, services
from blockdesk.announcements.models import Post
from blockdesk.common.errors import BlockdeskError
from blockdesk.kb.selectors import kb_languages, language_name
from blockdesk.workspace.http import admin_required, current_agent


def _post(request: HttpRequest, post_id: int) -> Post:
    post = selectors.console_post(user=current_agent(request), post_id=post_id)
    if post is None:
        raise Http404
    return post


@admin_required
def post_list(request: HttpRequest) -> HttpResponse:
    posts = selectors.console_posts(user=current_agent(request))[:200]
    return render(request, "announcements/console/list.html", {"posts": posts})


def _form_context(post: Post | None, data: dict[str, str] | None = None) -> dict[str, object]:
    versions = {t.language: t for t in post.translations.all()} if post else {}
    tabs = []
    for code in kb_languages():
        v = versions.get(code)
        tabs.append(
            {
                "code": code,
                "name": language_name(code),
                "title": (data or {}).get(f"{code}-title", v.title if v else ""),
                "summary": (data or {}).get(f"{code}-summary", v.summary if v else ""),
                "body": (data or {}).get(f"{code}-body", v.body if v else ""),
            }
        )
    return {"post": post, "tabs": tabs, "categories": Post.Category.choices}


@admin_required
def edit(request: HttpRequest, post_id: int | None = None) -> HttpResponse:
    post = _post(request, post_id) if post_id else None
    if request.method == "POST":
        versions: dict[str, services.VersionIn] = {
            code: {
                "title": request.POST.get(f"{code}-title", ""),
                "summary": request.POST.get(f"{code}-summary", ""),
                "body": request.POST.get(f"{code}-body", ""),
            }
            for code in kb_languages()
        }
        try:
            post = services.do_save_post(
                actor=current_agent(request),
                post=post,
                category=request.POST.get("category", ""),
                versions=versions,
                slug=request.POST.get("slug", ""),
                banner=bool(request.POST.get("banner")),
                notify_subscribers=bool(request.POST.get("notify_subscribers")),
            )
        except BlockdeskError as exc:
            messages.error(request, exc.message)
            context = _form_context(post, {k: str(v) for k, v in request.POST.items()})
            return render(request, "announcements/console/edit.html", context, status=422)
        messages.success(request, _("Saved."))
        return redirect("announcements_console:edit", post.pk)
    return render(request, "announcements/console/edit.html", _form_context(post))


@admin_required
@require_POST
def publish(request: HttpRequest, post_id: int) -> HttpResponse:
    post = _post(request, post_id)
    raw = (request.POST.get("at") or "").strip()
    at: dt.datetime | None = None
    if raw:
        at = parse_datetime(raw)
        if at is None:
            messages.error(request, _("Enter a valid date and time."))
            return redirect("announcements_console:edit", post.pk)
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
    try:
        post = services.do_publish_post(actor=current_agent(request), post=post, at=at)
    except BlockdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Scheduled.") if post.status == Post.Status.SCHEDULED else _("Published.")
        )
    return redirect("announcements_console:edit", post.pk)


@admin_required
@require_POST
def withdraw(request: HttpRequest, post_id: int) -> HttpResponse:
    services.do_withdraw_post(actor=current_agent(request), post=_post(request, post_id))
    messages.success(request, _("Withdrawn: the post is a draft again."))
    return redirect("announcements_console:edit", post_id)
