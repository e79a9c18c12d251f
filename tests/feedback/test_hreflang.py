"""Every public /feedback/ page names its canonical URL and its language versions
(hreflang, with x-default), like the help center and the forum; ?lang= picks the language."""

from __future__ import annotations

import re

import pytest

from blockdesk.feedback import services

PUBLIC = "http://testserver"


@pytest.fixture(autouse=True)
def _languages(settings):  # type: ignore[no-untyped-def]
    settings.KB_LANGUAGES = ["en", "zh-hans"]
    settings.PUBLIC_URL = PUBLIC


def _links(html: str) -> tuple[list[str], dict[str, str]]:
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', html)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    return canonical, alternates


def _pages(account, contact):  # type: ignore[no-untyped-def]
    s = services.do_post_suggestion(account_id=account.pk, author=contact, title="Dark mode")
    return ["/feedback/", "/feedback/roadmap/", f"/feedback/{s.pk}/"]


def test_each_public_page_has_canonical_and_hreflang(account, contact, client):  # type: ignore[no-untyped-def]
    for path in _pages(account, contact):
        canonical, alternates = _links(client.get(path + "?sort=new&page=1").content.decode())
        assert canonical == [PUBLIC + path], path  # filters are not part of it
        assert alternates == {
            "en": f"{PUBLIC}{path}?lang=en",
            "zh-Hans": f"{PUBLIC}{path}?lang=zh-hans",
            "x-default": PUBLIC + path,
        }, path


def test_a_language_version_is_its_own_canonical_and_in_its_language(account, contact, client):  # type: ignore[no-untyped-def]
    for path in _pages(account, contact):
        response = client.get(path + "?lang=zh-hans")
        html = response.content.decode()
        canonical, alternates = _links(html)
        assert canonical == [f"{PUBLIC}{path}?lang=zh-hans"], path
        assert '<html lang="zh-hans">' in html and response["Content-Language"] == "zh-hans"
        assert len(alternates) == 3
    # An unknown language is ignored (no canonical for a made-up version).
    canonical, _alternates = _links(client.get("/feedback/?lang=xx").content.decode())
    assert canonical == [f"{PUBLIC}/feedback/"]
