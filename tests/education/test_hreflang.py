"""Every public /learn/ page (guides, lessons, sessions and webinars) names its canonical URL
and its language versions (hreflang, with x-default); ?lang= picks the language and is
its own canonical."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from blockdesk.education import sessions
from tests.support.language_links import PUBLIC, assert_query_versions


@pytest.fixture(autouse=True)
def _languages(settings):  # type: ignore[no-untyped-def]
    settings.KB_LANGUAGES = ["en", "zh-hans"]
    settings.PUBLIC_URL = PUBLIC


def _pages(admin_user, guide):  # type: ignore[no-untyped-def]
    session = sessions.do_save_session(
        actor=admin_user,
        values={
            "title": "Using a DEX safely",
            "description": "Live Q&A",
            "starts_at": timezone.now() + dt.timedelta(hours=10),
            "duration_minutes": 45,
            "join_url": "https://meet.example.com/dex",
        },
    )
    return [
        "/learn/",
        f"/learn/{guide.slug}/",
        f"/learn/{guide.slug}/1/",
        f"/learn/sessions/{session.pk}/",
    ]


def test_each_public_page_has_canonical_and_hreflang(admin_user, guide, client):  # type: ignore[no-untyped-def]
    for path in _pages(admin_user, guide):
        assert_query_versions(client, path)
