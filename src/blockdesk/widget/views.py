"""The widget's pages: the loader script a website embeds, the chat frame it opens,
and the demo page that embeds the widget like a customer's site would."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from blockdesk.common.errors import BlockdeskError
from blockdesk.common.middleware import allow_camera_and_microphone
from blockdesk.connectors.models import WebWidgetChannel
from blockdesk.connectors.selectors import widget_continue_options
from blockdesk.conversations import identity_links
from blockdesk.staffing import surge
from blockdesk.widget import services
from blockdesk.widget.services import MAX_ATTACHMENTS
from blockdesk.widget.strings import FRAME_STRINGS, LOADER_STRINGS, translated

LOADER_PLACEHOLDER = "/*BLOCKDESK_CONFIG*/null"
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# A CSP source expression an admin may list for frame-ancestors: a scheme and host,
# optionally a wildcard subdomain and a port. Anything else could smuggle directives.
_ORIGIN_SOURCE_RE = re.compile(r"^(https?://)(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?/?$")
_ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")


def widget_language(request: HttpRequest) -> str:
    """The loader passes the browser's language as ?lang=; the switcher in the frame
    changes it. Anything else falls back to what the request says."""
    wanted = (request.GET.get("lang") or "").strip().lower()
    if wanted.startswith("zh"):
        return "zh-hans"
    if wanted.startswith("en"):
        return "en"
    return translation.get_language_from_request(request) or settings.LANGUAGE_CODE


def frame_csp(channel: WebWidgetChannel) -> str:
    ancestors = channel.frame_ancestors()
    if ancestors != "*":
        safe = [a for a in ancestors.split() if a == "'self'" or _ORIGIN_SOURCE_RE.match(a)]
        ancestors = " ".join(safe) or "'self'"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; "
        f"form-action 'self'; frame-ancestors {ancestors}"
    )


def _parent_origin(request: HttpRequest) -> str:
    origin = (request.GET.get("origin") or "").strip()
    return origin if _ORIGIN_RE.match(origin) and len(origin) <= 200 else ""


@require_GET
@xframe_options_exempt
@allow_camera_and_microphone  # calls with the agent (calls app)
def frame(request: HttpRequest, public_token: str) -> HttpResponse:
    try:
        channel = services.get_widget_channel(public_token=public_token)
    except BlockdeskError as exc:
        raise Http404 from exc
    language = widget_language(request)
    title = channel.welcome_title or channel.inbox.name
    config: dict[str, Any] = {
        "token": channel.public_token,
        "api": reverse("widget:api_root", kwargs={"public_token": channel.public_token}),
        "ws": f"/ws/widget/{channel.public_token}/",
        "lang": language,
        "title": title,
        "color": channel.color if _COLOR_RE.match(channel.color or "") else "",
        "max_length": settings.MESSAGE_MAX_LENGTH,
        "max_bytes": settings.ATTACHMENT_MAX_BYTES,
        "accept": list(settings.ATTACHMENT_ALLOWED_TYPES),
        "max_files": MAX_ATTACHMENTS,
        "parent_origin": _parent_origin(request),
        # Surge mode (staffing/surge.py): the admin's notice while a surge lasts.
        "notice": surge.widget_notice(account_id=channel.inbox.account_id, language=language),
        # "Continue on Telegram / Discord" (static/widget/continue.js, docs/widget.md).
        "continue_on": _continue_options(channel, language),
        "link_minutes": max(1, identity_links.link_token_seconds() // 60),
    }
    with translation.override(language):
        response = render(
            request,
            "widget/frame.html",
            {
                "channel": channel,
                "title": title,
                "tagline": channel.welcome_tagline,
                "config": config,
                "strings": translated(FRAME_STRINGS, language),
                "widget_language": language,
                "languages": settings.LANGUAGES,
                "accept": ",".join(settings.ATTACHMENT_ALLOWED_TYPES),
                "surge_notice": config["notice"],
            },
        )
    # Framed by the customer's site: our own CSP with their origins as frame-ancestors
    # replaces the global one (the middleware only sets it when absent).
    response["Content-Security-Policy"] = frame_csp(channel)
    response["Content-Language"] = language
    response["Cache-Control"] = "no-cache"
    response["Vary"] = "Accept-Language"
    return response


def _continue_options(channel: WebWidgetChannel, language: str) -> list[dict[str, str]]:
    with translation.override(language):
        return [
            {
                "kind": o.kind,
                "label": o.label,
                "href": o.href,
                "command": o.command,
                # "Continue this case on …" in an open case (static/widget/continue-case.js).
                "case_endpoint": o.case_endpoint.replace("{widget}", channel.public_token),
            }
            for o in widget_continue_options(account_id=channel.inbox.account_id)
        ]


def _read_loader_source() -> str:
    found = finders.find("widget/loader.js")
    if not found:
        raise Http404
    return Path(str(found)).read_text(encoding="utf-8")


def _build_loader() -> tuple[str, str]:
    config = {
        "css": static("widget/launcher.css"),
        "languages": [code for code, _name in settings.LANGUAGES],
        "strings": {code: translated(LOADER_STRINGS, code) for code, _name in settings.LANGUAGES},
    }
    # "<" escaped: harmless in a .js file, and keeps the blob inert if ever inlined.
    blob = json.dumps(config, ensure_ascii=False).replace("<", "\\u003c")
    body = _read_loader_source().replace(LOADER_PLACEHOLDER, blob, 1)
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    return body, etag


@cache
def _cached_loader() -> tuple[str, str]:
    return _build_loader()


@require_GET
def loader_js(request: HttpRequest) -> HttpResponse:
    body, etag = _build_loader() if settings.DEBUG else _cached_loader()
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    # Embedded on every page of the customer's site: let browsers and CDNs keep it a while.
    response["Cache-Control"] = "public, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _demo_channel() -> WebWidgetChannel | None:
    return WebWidgetChannel.objects.select_related("inbox").order_by("pk").first()


@require_GET
def widget_demo(request: HttpRequest) -> HttpResponse:
    channel = _demo_channel()
    origin = f"{request.scheme}://{request.get_host()}"
    context: dict[str, Any] = {
        "channel": channel,
        # The page embeds from the origin it is served on, so the demo works whatever
        # address it is browsed at; the snippet shown is the one a site owner copies.
        "loader_url": origin + reverse("widget:loader"),
        "snippet": channel.embed_snippet() if channel else "",
    }
    return render(request, "widget/demo.html", context)
