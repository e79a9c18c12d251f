"""KB fixtures. The search engine is replaced by the substring fallback and the
reindex hand-off is recorded, so these tests never build an index."""

from __future__ import annotations

import uuid

import pytest

from blockdesk.kb import selectors, services
from blockdesk.kb.models import ArticleTranslation, Category
from blockdesk.kb.services import TranslationInput


@pytest.fixture(autouse=True)
def reindexed(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    calls: list[list[int]] = []
    monkeypatch.setattr(
        services, "reindex_articles", lambda ids, account_id=None: calls.append(sorted(ids))
    )
    monkeypatch.setattr(selectors, "_engine", lambda: None)
    return calls


@pytest.fixture
def category(account) -> Category:
    return Category.objects.create(
        account=account,
        key="deposits",
        order=1,
        names={"en": "Deposits", "zh-hans": "充币"},
        descriptions={"en": "Deposit help", "zh-hans": "充币帮助"},
    )


def make_article(
    agent, category, *, key="deposit-help", language="en", title="Where is my deposit?",
    body="## Steps\n\n1. Wait\n2. Check", publish=True,
) -> ArticleTranslation:  # fmt: skip
    tr = services.do_create_article(
        actor=agent,
        key=key,
        category=category,
        language=language,
        data=TranslationInput(title=title, summary="Deposits take a while.", body=body),
    )
    if publish:
        services.do_set_status(actor=agent, translation=tr, status="published")
    tr.refresh_from_db()
    return tr


@pytest.fixture
def article(agent, category) -> ArticleTranslation:
    return make_article(agent, category)


@pytest.fixture
def ip() -> str:
    # Unique per test: rate-limit buckets live in a cache shared across tests (Redis).
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
