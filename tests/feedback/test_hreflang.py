"""Every public /feedback/ page names its canonical URL and its language versions
(hreflang, with x-default), like the help center and the forum; ?lang= picks the language."""

from __future__ import annotations

import pytest

from blockdesk.feedback import services
from tests.support.language_links import PUBLIC, assert_query_versions, links


@pytest.fixture(autouse=True)
def _languages(settings):  # type: ignore[no-untyped-def]
    settings.KB_LANGUAGES = ["en", "zh-hans"]
    settings.PUBLIC_URL = PUBLIC


def test_each_public_page_has_canonical_and_hreflang(account, contact, client):  # type: ignore[no-untyped-def]
    s = services.do_post_suggestion(account_id=account.pk, author=contact, title="Dark mode")
    for path in ("/feedback/", "/feedback/roadmap/", f"/feedback/{s.pk}/"):
        assert_query_versions(client, path, query="?sort=new&page=1")


def test_an_unknown_language_is_ignored(account, client):  # type: ignore[no-untyped-def]
    canonical, _alternates = links(client.get("/feedback/?lang=xx").content.decode())
    assert canonical == [f"{PUBLIC}/feedback/"]
