"""Canonical and hreflang links for public pages without a language in their path
(/feedback/, /learn/): each language version is the same path with `?lang=<code>`, the
bare path is the `x-default` (the browser's language), and every version names itself as
canonical. The help center and the forum have the language in the path and build their
own list; all of them render it with `templates/_language_links.html`.

`with_query_language` wraps a view so that `?lang=` picks the language of everything the
view reads and renders (the content's language, not only the template's)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

PARAM = "lang"


def page_languages() -> list[str]:
    """The public site's languages (the help center's, `BLOCKDESK_KB_LANGUAGES`)."""
    return list(getattr(settings, "KB_LANGUAGES", None) or [settings.LANGUAGE_CODE])


def bcp47(code: str) -> str:
    """The <link hreflang> spelling: zh-hans → zh-Hans, en-us → en-US."""
    head, _sep, tail = code.partition("-")
    if not tail:
        return head
    return f"{head}-{tail.title() if len(tail) == 4 else tail.upper()}"


def query_language(request: HttpRequest) -> str | None:
    wanted = request.GET.get(PARAM, "")
    ui = {code for code, _name in settings.LANGUAGES}
    return wanted if wanted in page_languages() and wanted in ui else None


def with_query_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = query_language(request)
        if language is None:
            return view(request, *args, **kwargs)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response.setdefault("Content-Language", language)
        return response

    return wrapper


def _absolute(path: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + path


def query_links(request: HttpRequest) -> dict[str, Any]:
    """{"canonical": …, "alternates": [(hreflang, url), …]} for this page (its path; other
    query parameters, such as filters and page numbers, are not part of it)."""
    path = request.path
    versions = [(bcp47(code), _absolute(f"{path}?{PARAM}={code}")) for code in page_languages()]
    language = query_language(request)
    canonical = _absolute(f"{path}?{PARAM}={language}") if language else _absolute(path)
    return {"canonical": canonical, "alternates": [*versions, ("x-default", _absolute(path))]}
