"""Reading a page's canonical and hreflang links (tests of the public pages)."""

from __future__ import annotations

import re

from django.test import Client

PUBLIC = "http://testserver"


def links(html: str) -> tuple[list[str], dict[str, str]]:
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', html)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    return canonical, alternates


def assert_query_versions(client: Client, path: str, query: str = "") -> None:
    """A page without a language in its path: canonical is the bare path, its versions are
    `?lang=` (en, zh-Hans), x-default the bare path; `?lang=zh-hans` is its own canonical
    and rendered in Chinese."""
    response = client.get(path + query)
    assert response.status_code == 200, path
    canonical, alternates = links(response.content.decode())
    assert canonical == [PUBLIC + path], path  # filters and page numbers are not part of it
    assert alternates == {
        "en": f"{PUBLIC}{path}?lang=en",
        "zh-Hans": f"{PUBLIC}{path}?lang=zh-hans",
        "x-default": PUBLIC + path,
    }, path
    response = client.get(path + "?lang=zh-hans")
    html = response.content.decode()
    canonical, alternates = links(html)
    assert canonical == [f"{PUBLIC}{path}?lang=zh-hans"], path
    assert '<html lang="zh-hans">' in html and response["Content-Language"] == "zh-hans", path
    assert len(alternates) == 3, path
