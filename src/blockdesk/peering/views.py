"""Settings → Shared knowledge: publish settings, confirmed scams, followed feeds and the
review queue. Administrators only; the services check the role again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.common.errors import BlockdeskError
from blockdesk.peering import publishing, selectors, subscribing
from blockdesk.peering.models import ReceivedItem
from blockdesk.trust import scam_services
from blockdesk.trust import selectors as trust_selectors
from blockdesk.trust.models import ReportedScam
from blockdesk.workspace.http import admin_required, current_agent


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, f"peering/{template}", {**context, "section": "peering"})


def _act(request: HttpRequest, to: str, action: Callable[[], object], done: str) -> HttpResponse:
    """Runs one service call; its error (or `done`) becomes the page's message."""
    try:
        action()
    except BlockdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse(to))


def _checked(request: HttpRequest, name: str) -> bool:
    return request.POST.get(name) in ("on", "1", "true")


@admin_required
@require_GET
def publish(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    view = selectors.publisher_view(user=user)
    articles = [
        {
            "article": a,
            "shared": a.pk in view.shared_ids,
            "published": [t.language for t in a.translations.all() if t.is_published],
        }
        for a in selectors.shareable_articles(user=user)
    ]
    return _page(request, "publish.html", {"view": view, "articles": articles})


@admin_required
@require_POST
def publish_settings(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    return _act(
        request,
        "peering:publish",
        lambda: publishing.do_configure_publisher(
            actor=user,
            enabled=_checked(request, "enabled"),
            title=request.POST.get("title", ""),
            share_scams=_checked(request, "share_scams"),
            share_answers=_checked(request, "share_answers"),
        ),
        _("The feed settings were saved."),
    )


@admin_required
@require_POST
def share_articles(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    ids = [int(v) for v in request.POST.getlist("article") if v.isdigit() and len(v) < 19]
    return _act(
        request,
        "peering:publish",
        lambda: publishing.do_share_articles(actor=user, article_ids=ids),
        _("The shared articles were saved."),
    )


@admin_required
@require_POST
def rotate_key(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    return _act(
        request,
        "peering:publish",
        lambda: publishing.do_rotate_key(actor=user),
        _("A new signing key was made; the old one endorsed it."),
    )


@admin_required
def scams(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    if request.method == "POST":
        return _act(
            request,
            "peering:scams",
            lambda: scam_services.do_report_scam(
                account_id=user.account_pk,
                actor=user,
                value=request.POST.get("value", "")[:600],
                note=request.POST.get("note", "")[:600],
            ),
            _("The scam was added."),
        )
    rows = trust_selectors.reported_scams(account_id=user.account_pk)
    return _page(request, "scams.html", {"scams": rows, "kinds": ReportedScam.Kind})


@admin_required
@require_POST
def scam_delete(request: HttpRequest, scam_id: int) -> HttpResponse:
    user = current_agent(request)
    scam = trust_selectors.get_reported_scam(account_id=user.account_pk, scam_id=scam_id)
    return _act(
        request,
        "peering:scams",
        lambda: scam_services.do_withdraw_scam(scam=scam, actor=user),
        _("The report was removed."),
    )


@admin_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    if request.method == "POST":
        return _act(
            request,
            "peering:subscriptions",
            lambda: subscribing.do_subscribe(
                actor=user,
                name=request.POST.get("name", "")[:200],
                url=request.POST.get("url", "")[:600],
                public_key=request.POST.get("public_key", "")[:200],
                trusted=_checked(request, "trusted"),
            ),
            _("The feed was added. It is fetched within a few minutes."),
        )
    return _page(
        request, "subscriptions.html", {"subscriptions": selectors.subscriptions(user=user)}
    )


@admin_required
@require_POST
def subscription_action(request: HttpRequest, subscription_id: int, action: str) -> HttpResponse:
    user = current_agent(request)
    sub = subscribing.get_subscription(account_id=user.account_pk, subscription_id=subscription_id)
    actions: dict[str, tuple[Callable[[], object], str]] = {
        "sync": (
            lambda: subscribing.do_sync_now(actor=user, subscription=sub),
            _("The feed was fetched."),
        ),
        "trust": (
            lambda: subscribing.do_set_trusted(actor=user, subscription=sub, trusted=True),
            _("This peer's scam reports now feed your checks."),
        ),
        "distrust": (
            lambda: subscribing.do_set_trusted(actor=user, subscription=sub, trusted=False),
            _("This peer's scam reports were removed from your checks."),
        ),
        "resume": (
            lambda: subscribing.do_resume(
                actor=user, subscription=sub, public_key=request.POST.get("public_key", "")[:200]
            ),
            _("The feed was resumed."),
        ),
        "delete": (
            lambda: subscribing.do_unsubscribe(actor=user, subscription=sub),
            _("You no longer follow this feed."),
        ),
    }
    if action not in actions:
        messages.error(request, _("Unknown action."))
        return HttpResponseRedirect(reverse("peering:subscriptions"))
    call, done = actions[action]
    return _act(request, "peering:subscriptions", call, done)


@admin_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    items = [
        {
            "item": item,
            "title": selectors.item_title(item),
            "label": selectors.item_label(item),
            "translations": selectors.item_preview(item),
        }
        for item in selectors.review_queue(account_id=user.account_pk)[:200]
    ]
    return _page(request, "review.html", {"items": items})


@admin_required
@require_POST
def review_action(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    user = current_agent(request)
    item: ReceivedItem = subscribing.get_item(account_id=user.account_pk, item_id=item_id)
    if action == "accept":
        return _act(
            request,
            "peering:review",
            lambda: subscribing.do_accept(actor=user, item=item),
            _("Accepted. Imported articles are drafts until you publish them."),
        )
    return _act(
        request,
        "peering:review",
        lambda: subscribing.do_reject(actor=user, item=item),
        _("Rejected."),
    )
