"""Public update log at /changelog/: server-rendered, indexable (canonical and hreflang like
the help center), RSS/Atom per language, the subscribe form (rate-limited, double opt-in)
and the banner's dismissal (a cookie, so it works without JavaScript)."""

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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from blockdesk.accounts.models import Account
from blockdesk.announcements import selectors, services
from blockdesk.announcements.models import Post
from blockdesk.common.errors import BlockdeskError, RateLimited
from blockdesk.common.ratelimit import client_ip
from blockdesk.kb.selectors import absolute, help_center_account, hreflang, kb_languages
from blockdesk.notifications import subscriptions

DISMISS_COOKIE = "bd_dismissed"
DISMISS_KEEP = 50  # ids remembered per browser


def _account() -> Account:
    account = help_center_account()
    if account is None:
        raise Http404
    return account


def _check_language(language: str) -> None:
    if language not in kb_languages():
        raise Http404


def _alternates(name: str, language: str, *args: str) -> dict[str, Any]:
    urls = {code: absolute(reverse(name, args=[code, *args])) for code in kb_languages()}
    alternates = [(hreflang(code), url) for code, url in urls.items()]
    alternates.append(("x-default", urls[kb_languages()[0]]))
    return {"canonical": urls[language], "alternates": alternates}


def _render(
    request: HttpRequest, template: str, language: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    ui = {code for code, _name in settings.LANGUAGES}
    base = {
        "language": language,
        "html_lang": hreflang(language),
        "languages": [
            (code, reverse("announcements:home", args=[code])) for code in kb_languages()
        ],
        "categories": Post.Category.choices,
        **context,
    }
    with translation.override(language if language in ui else settings.LANGUAGE_CODE):
        return render(request, template, base, status=status)


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    wanted = translation.get_language_from_request(request)
    languages = kb_languages()
    return redirect("announcements:home", wanted if wanted in languages else languages[0])


@require_GET
def home(request: HttpRequest, language: str) -> HttpResponse:
    _check_language(language)
    account = _account()
    category = request.GET.get("category") or None
    if category not in {None, *Post.Category.values}:
        raise Http404
    try:
        before = int(request.GET.get("before") or 0)
    except ValueError:
        before = 0
    posts = selectors.page(
        account_id=account.pk, language=language, category=category, before=before
    )
    more = len(posts) == selectors.PAGE_SIZE
    context = {
        "account": account,
        "posts": posts,
        "category": category,
        "next_before": posts[-1].post.pk if more else None,
        **_alternates("announcements:home", language),
    }
    return _render(request, "announcements/home.html", language, context)


@require_GET
def post(request: HttpRequest, language: str, slug: str) -> HttpResponse:
    _check_language(language)
    account = _account()
    found = selectors.public_post(account_id=account.pk, slug=slug, language=language)
    if found is None:
        raise Http404
    context = {
        "account": account,
        "shown": found,
        **_alternates("announcements:post", language, slug),
    }
    return _render(request, "announcements/post.html", language, context)


@require_POST
def subscribe(request: HttpRequest, language: str) -> HttpResponse:
    _check_language(language)
    account = _account()
    target = reverse("announcements:home", args=[language]) + "#subscribe"
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
            return redirect(target)
        except BlockdeskError as exc:
            messages.error(request, exc.message)
            return redirect(target)
        messages.success(
            request, _("Check your inbox: we sent a link to confirm the subscription.")
        )
    return redirect(target)


@require_POST
def dismiss(request: HttpRequest, post_id: int) -> HttpResponse:
    """Remembers a dismissed banner in a cookie (the JS enhancement uses localStorage and
    this endpoint is the no-JavaScript fallback)."""
    known = [x for x in request.COOKIES.get(DISMISS_COOKIE, "").split(".") if x.isdigit()]
    ids = [str(post_id), *[x for x in known if x != str(post_id)]][:DISMISS_KEEP]
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    response = redirect(next_url)
    response.set_cookie(
        DISMISS_COOKIE,
        ".".join(ids),
        max_age=365 * 86400,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure(),
    )
    return response


def dismissed_ids(request: HttpRequest) -> set[int]:
    return {int(x) for x in request.COOKIES.get(DISMISS_COOKIE, "").split(".") if x.isdigit()}


class _PostFeed(Feed):
    def get_object(self, request: HttpRequest, language: str) -> str:
        _check_language(language)
        return language

    def title(self, language: str) -> str:
        with translation.override(language):
            return _("%(name)s: announcements") % {"name": _account().name}

    def link(self, language: str) -> str:
        return reverse("announcements:home", args=[language])

    def description(self, language: str) -> str:
        with translation.override(language):
            return _("Releases, listings, maintenance and security notices.")

    def items(self, language: str) -> list[selectors.ShownPost]:
        return selectors.page(account_id=_account().pk, language=language, category=None)

    def item_title(self, item: selectors.ShownPost) -> str:
        return item.title

    def item_description(self, item: selectors.ShownPost) -> str:
        return item.html  # sanitised by the KB renderer

    def item_link(self, item: selectors.ShownPost) -> str:
        return reverse("announcements:post", args=[item.language, item.post.slug])

    def item_pubdate(self, item: selectors.ShownPost) -> Any:
        return item.post.published_at

    def item_updateddate(self, item: selectors.ShownPost) -> Any:
        return item.post.updated_at

    def item_categories(self, item: selectors.ShownPost) -> list[str]:
        return [item.post.category]


class RssFeed(_PostFeed):
    pass


class AtomFeed(_PostFeed):
    feed_type = Atom1Feed

    def subtitle(self, language: str) -> str:
        return self.description(language)
