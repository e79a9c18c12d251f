"""Public status page at /status/: components, open incidents, maintenance, the 90-day
bars (rendered here, no JavaScript), incident pages, RSS/Atom and the subscribe form."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts.models import Account
from blockdesk.common.errors import BlockdeskError, RateLimited
from blockdesk.common.ratelimit import client_ip
from blockdesk.kb.selectors import absolute, help_center_account, kb_languages
from blockdesk.notifications import subscriptions
from blockdesk.statuspage import selectors, services
from blockdesk.statuspage.models import IncidentUpdate


def _account() -> Account:
    account = help_center_account()
    if account is None:
        raise Http404
    return account


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang") or translation.get_language_from_request(request)
    return wanted if wanted in kb_languages() else kb_languages()[0]


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    language = _language(request)
    path = request.path
    alternates = [(code, absolute(f"{path}?lang={code}")) for code in kb_languages()]
    alternates.append(("x-default", absolute(path)))
    base = {"language": language, "canonical": absolute(path), "alternates": alternates, **context}
    ui = {code for code, _name in settings.LANGUAGES}
    with translation.override(language if language in ui else settings.LANGUAGE_CODE):
        response = render(request, template, base)
    response["Cache-Control"] = "public, max-age=30"
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    account = _account()
    comps = list(selectors.components(account_id=account.pk))
    context = {
        "account": account,
        "overall": selectors.overall(comps),
        "histories": selectors.histories(account_id=account.pk),
        "open_incidents": selectors.open_incidents(account_id=account.pk),
        "maintenance": selectors.upcoming_maintenance(account_id=account.pk),
        "recent": selectors.recent_incidents(account_id=account.pk),
    }
    return _render(request, "statuspage/home.html", context)


@require_GET
def incident(request: HttpRequest, incident_id: int) -> HttpResponse:
    account = _account()
    found = selectors.incident(account_id=account.pk, incident_id=incident_id)
    if found is None:
        raise Http404
    return _render(request, "statuspage/incident.html", {"account": account, "incident": found})


@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    account = _account()
    language = _language(request)
    with translation.override(language):
        try:
            subscriptions.check_subscribe_rate_limit(ip=client_ip(request.META))
            subscriptions.do_subscribe(
                account=account,
                list_name=services.LIST_NAME,
                email=request.POST.get("email", "")[:300],
                language=language,
            )
        except RateLimited:
            messages.error(request, _("Too many attempts. Please try again later."))
        except BlockdeskError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Check your inbox: we sent a link to confirm the subscription.")
            )
    return redirect(reverse("statuspage:home") + "#subscribe")


class RssFeed(Feed):
    def title(self) -> str:
        return _("%(name)s status") % {"name": _account().name}

    def link(self) -> str:
        return reverse("statuspage:home")

    def description(self) -> str:
        return _("Incidents and maintenance.")

    def items(self) -> list[IncidentUpdate]:
        return list(
            IncidentUpdate.objects.filter(incident__account_id=_account().pk)
            .select_related("incident")
            .order_by("-created_at", "-id")[:50]
        )

    def item_title(self, item: IncidentUpdate) -> str:
        return f"{item.incident.title} · {item.get_status_display()}"

    def item_description(self, item: IncidentUpdate) -> str:
        return item.body  # the feed generator escapes it

    def item_link(self, item: IncidentUpdate) -> str:
        return reverse("statuspage:incident", args=[item.incident_id]) + f"#update-{item.pk}"

    def item_pubdate(self, item: IncidentUpdate) -> Any:
        return item.created_at


class AtomFeed(RssFeed):
    feed_type = Atom1Feed

    def subtitle(self) -> str:
        return self.description()
