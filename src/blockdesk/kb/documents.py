"""The plain document the search engine indexes (the contract with kb.search)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SearchDocument:
    article_id: int
    key: str  # stable id from front matter, e.g. "deposit-wrong-network"
    language: str  # "en" | "zh-hans" | any of settings.KB_LANGUAGES
    title: str
    summary: str
    body: str  # Markdown source
    example_questions: tuple[str, ...]
    category: str  # category key
    url: str  # absolute canonical URL of the article page
    updated_at: datetime
