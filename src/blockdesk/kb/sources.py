"""Other public knowledge the help-center search lists after its articles: the forum's
answered questions today. The forum sits above the knowledge base (it may import kb, not
the other way round), so it registers a provider here from its ready() and the help
center asks every provider for each search, like common/notices.py for the assistant."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceQuery:
    account_id: int
    query: str
    language: str  # the page's: a provider returns only items of that language
    limit: int


@dataclass(frozen=True)
class SourceHit:
    kind: str  # "community"
    label: str  # shown next to the title ("Community answer"), in the page's language
    title: str
    snippet: str  # plain text; templates escape it
    url: str
    language: str
    score: float  # 0..1, the provider's own scale: hits are listed by it within a kind


Provider = Callable[[SourceQuery], "list[SourceHit]"]
_providers: list[Provider] = []


def register_search_source(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def unregister_search_source(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def search_sources(query: SourceQuery) -> list[SourceHit]:
    """Every provider's hits, best first, at most `limit` in all. A failing provider is
    logged and skipped: the articles must still be found."""
    if not query.query.strip() or query.limit <= 0:
        return []
    found: list[SourceHit] = []
    for provider in list(_providers):
        try:
            found.extend(provider(query))
        except Exception:
            logger.exception("kb: search source %r failed", provider)
    found.sort(key=lambda hit: -hit.score)
    return found[: query.limit]
