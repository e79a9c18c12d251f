"""A member's forum settings (which emails they get) and the emails' one-click unsubscribe
link. The link works without a login: a GET shows a confirm button (mail scanners that
follow links must not unsubscribe anyone), the POST acts; mail clients POST to it directly
(RFC 8058) without a CSRF token, the signed token being the authorisation. The pages are
the notifications app's link pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from blockdesk.customers.decorators import customer_required
from blockdesk.customers.models import CustomerAccount
from blockdesk.forum import preferences, selectors
from blockdesk.forum.views import account_or_404, check_language, render_page
from blockdesk.notifications.views import link_page


@require_http_methods(["GET", "POST"])
@customer_required
def settings_page(request: HttpRequest, language: str) -> HttpResponse:
    check_language(language)
    account_or_404()
    member: CustomerAccount = request.customer  # type: ignore[attr-defined]
    if request.method == "POST":
        preferences.do_set_preferences(
            member=member,
            email_answers=request.POST.get("email_answers") == "on",
            email_mentions=request.POST.get("email_mentions") == "on",
        )
        messages.success(request, _("Your email settings are saved."))
        return HttpResponseRedirect(reverse("forum:settings", args=[language]))
    return render_page(
        request,
        "forum/settings.html",
        language,
        {"prefs": selectors.preferences(member=member), "alternates": []},
    )


def _language(member: CustomerAccount) -> str | None:
    return member.locale or member.contact.locale or None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        found = preferences.do_unsubscribe(token=token)
    else:
        found = preferences.member_for_token(token)
    if found is None:
        return link_page(request, "notifications/lists/invalid.html", {}, status=404)
    member, kind = found
    context = {"list_title": preferences.TITLES[kind], "confirmed": False}
    template = "notifications/lists/done.html"
    if request.method == "GET":
        template = "notifications/lists/unsubscribe_page.html"
    return link_page(request, template, context, language=_language(member))
