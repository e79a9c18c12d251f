"""Each indexable forum page has a canonical URL and hreflang alternates; the pages behind
a sign-in or only for editing are not indexed."""

from __future__ import annotations

from django.test import Client

from blockdesk.accounts.models import Account
from blockdesk.forum import edits, services
from blockdesk.forum.models import Category
from tests.support.language_links import links

from .conftest import ask, client_for, member


def test_indexable_pages_have_canonical_and_hreflang(account: Account, category: Category) -> None:
    asker = member(account)
    q = services.do_ask(
        author=asker,
        category=category,
        title="My deposit has not arrived yet",
        body="I sent USDT on Tron two hours ago and it is not in my balance.",
        tags="tron",
    )
    pages = {
        "/community/en/": {"en", "zh-Hans"},
        "/community/en/leaderboard/": {"en", "zh-Hans"},
        f"/community/en/u/{asker.pk}/": {"en", "zh-Hans"},
        f"/community/en/c/{category.slug}/": {"en"},
        f"/community/en/q/{q.pk}/": {"en"},
        "/community/en/t/tron/": {"en"},
    }
    for path, languages in pages.items():
        canonical, alternates = links(Client().get(path).content.decode())
        assert len(canonical) == 1 and canonical[0].endswith(path), path
        assert set(alternates) == languages, path


def test_edit_revisions_and_settings_pages_are_not_indexed(
    account: Account, category: Category
) -> None:
    asker = member(account)
    q = ask(asker, category)
    edits.do_edit(
        post=q, editor=edits.Editor(member=asker), title=q.title, body=q.body + " (edited)"
    )
    client = client_for(asker)
    for path in (
        f"/community/en/edit/q/{q.pk}/",
        f"/community/en/revisions/q/{q.pk}/",
        "/community/en/settings/",
    ):
        assert '<meta name="robots" content="noindex">' in client.get(path).content.decode(), path
